package ai.fairl.train.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.types.DataType;
import ai.fairl.engine.Scalars;

/**
 * GRPO's clipped surrogate with optional KL, following TRL 1.2 {@code GRPOTrainer._compute_loss}
 * for loss types grpo, bnpo, dr_grpo and dapo:
 *
 * <pre>
 * log_r_t = π_t − π_old_t                        (π_old = sg(π) on the first pass: ratio 1)
 * w       = exp(log_r_t)                         token level            (B, T)
 *         = exp(Σ_t m·log_r_t / max(1, Σ_t m))   sequence level (GSPO)  (B, 1)
 * L_t     = −min(w·A, clip(w, 1−ε, 1+ε_high)·A) + β·k3(π_ref_t, π_t)
 * loss    = aggregate(L, m)                      see {@link LossType}
 * </pre>
 *
 * <p>The train loop back-propagates {@code Σ_k sum_k / Σ_k items_k} over the micro-batches of one
 * optimizer step, so each type is returned as a sum and its item count: grpo sums sequence means
 * over B sequences; bnpo is one item per micro-batch holding its token mean; dr_grpo sums {@code Σ
 * m·L / max_completion_length} over B sequences; dapo sums token losses over its tokens (the token
 * mean of the whole step, equal to TRL's whole generation batch when {@code steps_per_generation}
 * equals the accumulation steps).
 *
 * <p>Simplified: no {@code delta} two-sided clipping, no entropy masking, no vLLM importance
 * correction, no {@code cispo}/{@code sapo}/{@code vespo}/{@code luspo}.
 */
public final class GrpoLoss {
  private GrpoLoss() {}

  /**
   * The loss of one micro-batch and its metrics (masked means as TRL logs them).
   *
   * @param sum the scalar to differentiate, summed over {@code items}
   * @param items what the sum adds up (sequences, micro-batches or tokens, by loss type)
   * @param kl mean per-token KL to the reference (NaN when beta is 0)
   * @param clipLow fraction of tokens (sequences) with {@code w < 1−ε} and {@code A < 0}
   * @param clipHigh fraction with {@code w > 1+ε_high} and {@code A > 0}
   * @param clipRegion {@code clip_ratio/region_mean}: either of the two
   * @param ratioMean mean importance ratio
   */
  public record Result(
      NDArray sum,
      long items,
      double kl,
      double clipLow,
      double clipHigh,
      double clipRegion,
      double ratioMean) {}

  /**
   * @param logp policy log-probs of the sampled tokens, differentiable, (B, T)
   * @param oldLogp the generation-time log-probs, (B, T), or null when on-policy
   * @param refLogp the reference model's log-probs, (B, T); required when beta != 0
   * @param advantages one per completion, (B)
   * @param mask 1 on completion tokens that count, 0 on padding and masked completions, (B, T)
   * @param dapoTokens for {@link LossType#DAPO}: completion tokens of the whole generation batch
   *     divided by the accumulation steps (so the loop's division by them gives TRL's {@code Σ m·L
   *     / N_tok}); ignored by the other types
   */
  public static Result compute(
      NDArray logp,
      NDArray oldLogp,
      NDArray refLogp,
      NDArray advantages,
      NDArray mask,
      GrpoConfig cfg) {
    long b = logp.getShape().get(0);
    NDArray old = oldLogp == null ? logp.stopGradient() : oldLogp;
    NDArray logRatio = logp.sub(old); // (B, T)
    NDArray logW;
    if (cfg.importanceLevel() == ImportanceLevel.SEQUENCE) {
      NDArray perRow = Scalars.maximum(mask.sum(new int[] {1}, true), 1); // (B, 1)
      logW = logRatio.mul(mask).sum(new int[] {1}, true).div(perRow); // (B, 1)
    } else {
      logW = logRatio; // (B, T)
    }
    NDArray w = logW.exp();
    NDArray adv = advantages.reshape(b, 1); // (B, 1)
    NDArray clipped = w.clip((float) (1.0 - cfg.epsilon()), (float) (1.0 + cfg.epsilonHigh()));
    NDArray perToken = NDArrays.minimum(w.mul(adv), clipped.mul(adv)).neg(); // (B, 1|T)
    double kl = Double.NaN;
    if (cfg.beta() != 0.0) {
      if (refLogp == null) {
        throw new IllegalArgumentException("beta != 0 needs the reference log-probs");
      }
      NDArray perTokenKl = cfg.klEstimator().of(logp, refLogp); // (B, T)
      perToken = perToken.add(Scalars.mul(perTokenKl, cfg.beta()));
      kl = maskedMean(perTokenKl, mask);
    }
    NDArray masked = perToken.mul(mask); // (B, T)
    long tokens = Math.max(1, (long) mask.sum().getFloat());
    NDArray sum;
    long items;
    switch (cfg.lossType()) {
      case GRPO -> {
        sum = masked.sum(new int[] {1}).div(Scalars.maximum(mask.sum(new int[] {1}), 1)).sum();
        items = b;
      }
      case BNPO -> {
        sum = Scalars.div(masked.sum(), tokens);
        items = 1;
      }
      case DR_GRPO -> {
        sum = Scalars.div(masked.sum(), cfg.maxCompletionLength());
        items = b;
      }
      default -> {
        sum = masked.sum();
        items = tokens;
      }
    }
    NDArray wd = w.stopGradient();
    NDArray low =
        wd.lt((float) (1.0 - cfg.epsilon())).logicalAnd(adv.lt(0f)).toType(DataType.FLOAT32, false);
    NDArray high =
        wd.gt((float) (1.0 + cfg.epsilonHigh()))
            .logicalAnd(adv.gt(0f))
            .toType(DataType.FLOAT32, false);
    NDArray region = Scalars.minimum(low.add(high), 1);
    return new Result(
        sum,
        items,
        kl,
        batchMean(low, mask),
        batchMean(high, mask),
        batchMean(region, mask),
        batchMean(wd, mask));
  }

  /** TRL's {@code masked_batch_mean}: plain mean for per-sequence values, masked otherwise. */
  static double batchMean(NDArray x, NDArray mask) {
    if (x.getShape().get(1) == 1) {
      return x.mean().getFloat();
    }
    return maskedMean(x, mask);
  }

  static double maskedMean(NDArray x, NDArray mask) {
    NDArray xd = x.stopGradient();
    return xd.mul(mask).sum().div(Scalars.maximum(mask.sum(), 1)).getFloat();
  }

  /**
   * Per-token entropy {@code −Σ_v p·log p} of the distribution the tokens were sampled from.
   *
   * @param logits (B, T, V), already divided by the temperature
   * @return (B, T)
   */
  public static NDArray entropy(NDArray logits) {
    NDArray lp = logits.logSoftmax(-1); // (B, T, V)
    return lp.exp().mul(lp).sum(new int[] {-1}).neg(); // (B, T)
  }
}
