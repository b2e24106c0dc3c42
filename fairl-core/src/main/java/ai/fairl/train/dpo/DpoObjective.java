package ai.fairl.train.dpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.fairl.engine.Scalars;
import ai.fairl.train.LogProbs;
import ai.fairl.train.LogitsFunction;
import ai.fairl.train.Objective;
import ai.fairl.train.PreferenceBatch;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Direct Preference Optimisation as TRL computes it (see {@link DpoLossType} for the formulas).
 * Sequence log-probs are sums over completion tokens. The reference model is, in order of
 * preference: the log-probs precomputed into the batch, else {@code reference} (the policy with its
 * LoRA adapters disabled, or a frozen copy under full fine-tuning), evaluated without gradients.
 *
 * <p>Metrics (TRL names): {@code rewards/chosen} and {@code rewards/rejected} ({@code beta * rho}),
 * {@code rewards/accuracies} (chosen reward above rejected), {@code rewards/margins}, {@code
 * logps/chosen}, {@code logps/rejected}.
 */
public final class DpoObjective implements Objective<PreferenceBatch> {
  private final LogitsFunction policy;
  private final LogitsFunction reference;
  private final DpoLossType type;
  private final double beta;
  private final double labelSmoothing;

  /**
   * @param reference null only when every batch carries precomputed reference log-probs
   * @param beta > 0 (TRL default 0.1; FAI-RL could not change it)
   * @param labelSmoothing in [0, 0.5), used by {@link DpoLossType#ROBUST}
   */
  public DpoObjective(
      LogitsFunction policy,
      LogitsFunction reference,
      DpoLossType type,
      double beta,
      double labelSmoothing) {
    if (!(beta > 0)) {
      throw new IllegalArgumentException("training.beta for dpo must be > 0, got " + beta);
    }
    if (labelSmoothing < 0 || labelSmoothing >= 0.5) {
      throw new IllegalArgumentException(
          "training.label_smoothing must be in [0, 0.5), got " + labelSmoothing);
    }
    this.policy = policy;
    this.reference = reference;
    this.type = type;
    this.beta = beta;
    this.labelSmoothing = labelSmoothing;
  }

  /** Summed completion log-probs of each row, (rows), and completion lengths, (rows). */
  static NDArray[] sequenceLogProbs(
      LogitsFunction model, NDArray ids, NDArray mask, NDArray labels, boolean training) {
    NDArray perToken =
        model.labelLogProbs(ids, mask, labels, training, false).logProbs(); // (rows, seq - 1)
    return new NDArray[] {perToken.sum(new int[] {1}), LogProbs.mask(labels).sum(new int[] {1})};
  }

  @Override
  public Loss loss(PreferenceBatch batch, NDManager scope, boolean training) {
    int n = batch.pairs();
    NDArray ids = batch.rows().ids(scope);
    NDArray mask = batch.rows().mask(scope);
    NDArray labels = batch.rows().labelArray(scope);
    NDArray[] pol = sequenceLogProbs(policy, ids, mask, labels, training); // (2n)
    NDArray ref;
    if (batch.refChosen() != null) {
      double[] both = new double[2 * n];
      System.arraycopy(batch.refChosen(), 0, both, 0, n);
      System.arraycopy(batch.refRejected(), 0, both, n, n);
      ref = scope.create(both).toType(DataType.FLOAT32, false);
    } else {
      if (reference == null) {
        throw new IllegalStateException(
            "DPO needs a reference model or precomputed reference log-probs");
      }
      ref = sequenceLogProbs(reference, ids, mask, labels, false)[0].stopGradient();
    }
    NDArray logp = pol[0];
    NDArray len = Scalars.maximum(pol[1], 1);
    NDArray rho = logp.sub(ref); // (2n)
    NDIndex first = new NDIndex("0:{}", n);
    NDIndex second = new NDIndex("{}:", n);
    NDArray rhoC = rho.get(first);
    NDArray rhoR = rho.get(second);
    NDArray losses =
        type.loss(rhoC, rhoR, len.get(first), len.get(second), beta, labelSmoothing); // (n)
    NDArray rewardC = Scalars.mul(rhoC, beta).stopGradient();
    NDArray rewardR = Scalars.mul(rhoR, beta).stopGradient();
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("rewards/chosen", (double) rewardC.mean().getFloat());
    metrics.put("rewards/rejected", (double) rewardR.mean().getFloat());
    metrics.put(
        "rewards/accuracies",
        (double) rewardC.gt(rewardR).toType(DataType.FLOAT32, false).mean().getFloat());
    metrics.put("rewards/margins", (double) rewardC.sub(rewardR).mean().getFloat());
    metrics.put("logps/chosen", (double) logp.get(first).mean().getFloat());
    metrics.put("logps/rejected", (double) logp.get(second).mean().getFloat());
    return new Loss(losses.sum(), metrics);
  }
}
