package ai.fairl.train.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.fairl.train.LogitsFunction;
import ai.fairl.train.Objective;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * GRPO and GSPO: the policy's log-probs of the sampled completions, then {@link GrpoLoss}. The
 * rollouts (rewards, advantages, old and reference log-probs) come from {@link RolloutSource}.
 *
 * <p>Metrics (TRL names): {@code kl} (beta != 0), {@code entropy}, {@code clip_ratio/low_mean},
 * {@code clip_ratio/high_mean}, {@code clip_ratio/region_mean}, plus the rollout metrics the batch
 * carries ({@code reward}, {@code reward_std}, {@code rewards/<name>/mean|std}, {@code
 * completions/mean_length}, ...).
 */
public final class GrpoObjective implements Objective<RolloutBatch> {
  private final LogitsFunction policy;
  private final GrpoConfig config;

  public GrpoObjective(LogitsFunction policy, GrpoConfig config) {
    this.policy = policy;
    this.config = config;
  }

  @Override
  public Loss loss(RolloutBatch b, NDManager m, boolean training) {
    NDArray logits = policy.logits(b.ids(m), b.mask(m), training); // (B, P + C, V)
    NDArray[] lp =
        CompletionLogProbs.of(logits, b.completionIds(m), b.promptLen(), config.temperature());
    NDArray mask = b.completionMask(m); // (B, C)
    GrpoLoss.Result r =
        GrpoLoss.compute(
            lp[1],
            RolloutBatch.array(m, b.oldLogp(), b.rows(), b.completionLen()),
            RolloutBatch.array(m, b.refLogp(), b.rows(), b.completionLen()),
            m.create(b.advantages()),
            mask,
            config);
    Map<String, Double> metrics = new LinkedHashMap<>(b.metrics());
    if (config.beta() != 0.0) {
      metrics.put("kl", r.kl());
    }
    metrics.put("entropy", GrpoLoss.maskedMean(GrpoLoss.entropy(lp[0].stopGradient()), mask));
    metrics.put("clip_ratio/low_mean", r.clipLow());
    metrics.put("clip_ratio/high_mean", r.clipHigh());
    metrics.put("clip_ratio/region_mean", r.clipRegion());
    return new Loss(r.sum(), metrics);
  }
}
