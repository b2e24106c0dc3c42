package ai.fairl.train.grpo;

import ai.djl.ndarray.NDArray;
import java.util.Locale;

/**
 * Per-token estimators of {@code KL(π || π_ref)} from samples of π (Schulman, "Approximating KL
 * divergence", 2020). With {@code d = π_ref_t − π_t} (log-probs of the sampled token):
 */
public enum KlEstimator {
  /** {@code k1 = −d = π_t − π_ref_t}: unbiased, can be negative. PPO's default. */
  K1,
  /** {@code k3 = exp(d) − d − 1}: unbiased, never negative. GRPO's estimator. */
  K3;

  /** The estimate for one token. */
  public double of(double logp, double refLogp) {
    double d = refLogp - logp;
    return this == K1 ? -d : Math.exp(d) - d - 1.0;
  }

  /** The estimate per token; same shape as the inputs, differentiable through {@code logp}. */
  public NDArray of(NDArray logp, NDArray refLogp) {
    NDArray d = refLogp.sub(logp);
    return this == K1 ? d.neg() : d.exp().sub(d).sub(1.0f);
  }

  /** Parses {@code k1} or {@code k3}. */
  public static KlEstimator parse(String s) {
    String k = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
    return switch (k) {
      case "k1" -> K1;
      case "k3" -> K3;
      default ->
          throw new IllegalArgumentException(
              "training.kl_estimator must be k1 or k3, got '" + s + "'");
    };
  }
}
