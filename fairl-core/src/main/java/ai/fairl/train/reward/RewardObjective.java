package ai.fairl.train.reward;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;
import ai.fairl.engine.Scalars;
import ai.fairl.train.Objective;
import ai.fairl.train.PreferenceBatch;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reward modelling with the Bradley-Terry loss, as TRL's {@code RewardTrainer}: {@code -log
 * sigmoid(r_c - r_r - margin)} per pair, where {@code r} is the model's scalar score of the whole
 * {@code prompt + completion} sequence. Optional {@code center_rewards_coefficient} adds {@code c *
 * (r_c + r_r)^2} (Eisenstein et al. 2023) to keep scores near zero.
 *
 * <p>Metrics: {@code rewards/chosen}, {@code rewards/rejected} (mean scores), {@code
 * rewards/accuracies} (chosen scored higher), {@code rewards/margins}.
 */
public final class RewardObjective implements Objective<PreferenceBatch> {
  private final ScoreFunction model;
  private final double margin;
  private final double centerCoefficient;

  public RewardObjective(ScoreFunction model, double margin, double centerCoefficient) {
    this.model = model;
    this.margin = margin;
    this.centerCoefficient = centerCoefficient;
  }

  @Override
  public Loss loss(PreferenceBatch batch, NDManager scope, boolean training) {
    int n = batch.pairs();
    NDArray scores =
        model.scores(batch.rows().ids(scope), batch.rows().mask(scope), training); // (2n)
    NDArray rc = scores.get(new NDIndex("0:{}", n));
    NDArray rr = scores.get(new NDIndex("{}:", n));
    NDArray diff = rc.sub(rr).sub((float) margin);
    // -log sigmoid(d) = softplus(-d) = max(-d, 0) + log(1 + exp(-|d|))
    NDArray losses =
        Scalars.maximum(diff.neg(), 0).add(diff.abs().neg().exp().add(1f).log()); // (n)
    if (centerCoefficient > 0) {
      losses = losses.add(Scalars.mul(rc.add(rr).square(), centerCoefficient));
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("rewards/chosen", (double) rc.mean().getFloat());
    metrics.put("rewards/rejected", (double) rr.mean().getFloat());
    metrics.put(
        "rewards/accuracies", (double) rc.gt(rr).toType(DataType.FLOAT32, false).mean().getFloat());
    metrics.put("rewards/margins", (double) rc.sub(rr).mean().getFloat());
    return new Loss(losses.sum(), metrics);
  }
}
