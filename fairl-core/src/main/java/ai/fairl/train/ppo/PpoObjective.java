package ai.fairl.train.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.fairl.engine.Scalars;
import ai.fairl.train.Objective;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * PPO: the policy's log-probs and the values of the rollout's response tokens, then {@link
 * PpoLoss}. Logits are divided by the sampling temperature, as TRL does.
 *
 * <p>Metrics: {@code loss/policy_avg}, {@code value_loss}, {@code policy/clipfrac_avg}, {@code
 * val/clipfrac_avg}, {@code policy/approxkl_avg}, {@code entropy}, plus the rollout's ({@code
 * reward}, {@code objective/scores}, {@code objective/kl}, ...).
 */
public final class PpoObjective implements Objective<PpoBatch> {
  private final ActorCritic model;
  private final PpoConfig config;

  public PpoObjective(ActorCritic model, PpoConfig config) {
    this.model = model;
    this.config = config;
  }

  /** {response logits (B, R, V) at temperature, log-probs (B, R), values (B, R)}. */
  static NDArray[] responseTerms(
      NDArray logits, NDArray values, NDArray responseIds, int promptLen, double temperature) {
    long r = responseIds.getShape().get(1);
    NDIndex at = new NDIndex(":, {}:{}", promptLen - 1, promptLen - 1 + r);
    NDArray lg = Scalars.div(logits.get(at).toType(DataType.FLOAT32, false), temperature + 1e-7);
    NDArray logp = lg.logSoftmax(-1).gather(responseIds.expandDims(-1), -1).squeeze(-1);
    NDArray v = values.get(at).toType(DataType.FLOAT32, false);
    return new NDArray[] {lg, logp, v};
  }

  @Override
  public Loss loss(PpoBatch b, NDManager m, boolean training) {
    NDArray[] out = model.forward(b.ids(m), b.mask(m), training);
    NDArray[] t =
        responseTerms(out[0], out[1], b.responseIds(m), b.promptLen(), config.temperature());
    NDArray mask = b.perToken(m, b.responseMask());
    PpoLoss.Result r =
        PpoLoss.compute(
            t[1],
            b.perToken(m, b.oldLogp()),
            b.perToken(m, b.advantages()),
            t[2],
            b.perToken(m, b.oldValues()),
            b.perToken(m, b.returns()),
            mask,
            config);
    Map<String, Double> metrics = new LinkedHashMap<>(b.metrics());
    metrics.put("loss/policy_avg", r.policyLoss());
    metrics.put("value_loss", r.valueLoss());
    metrics.put("policy/clipfrac_avg", r.policyClipFrac());
    metrics.put("val/clipfrac_avg", r.valueClipFrac());
    metrics.put("policy/approxkl_avg", r.approxKl());
    NDArray lp = t[0].stopGradient().logSoftmax(-1);
    NDArray ent = lp.exp().mul(lp).sum(new int[] {-1}).neg(); // (B, R)
    metrics.put(
        "entropy", (double) ent.mul(mask).sum().div(Scalars.maximum(mask.sum(), 1)).getFloat());
    return new Loss(r.loss(), metrics);
  }
}
