package ai.fairl.train.dpo;

import ai.djl.ndarray.NDArray;
import ai.fairl.engine.Scalars;
import java.util.Locale;

/**
 * DPO loss variants (Rafailov et al. 2023 and follow-ups), as TRL 1.2 computes them. With sequence
 * log-probs summed over completion tokens, {@code rho_c = logp_c - ref_c}, {@code rho_r = logp_r -
 * ref_r} and {@code D = rho_c - rho_r}:
 */
public enum DpoLossType {
  /** {@code -log sigmoid(beta D)} (the DPO paper). */
  SIGMOID,
  /**
   * {@code (D_avg - 1/(2 beta))^2} with length-normalised {@code D_avg = rho_c/|c| - rho_r/|r|}
   * (Azar et al. 2023, IPO; beta is the regularisation tau).
   */
  IPO,
  /** {@code relu(1 - beta D)} (SLiC-style hinge). */
  HINGE,
  /**
   * {@code [-(1-e) log sigmoid(beta D) + e log sigmoid(-beta D)] / (1 - 2e)} with {@code e =
   * label_smoothing} (Chowdhury et al. 2024, robust DPO; an unbiased loss under label noise).
   */
  ROBUST;

  /** Parses TRL's names: sigmoid, ipo, hinge, robust (case-insensitive). */
  public static DpoLossType parse(String s) {
    try {
      return valueOf(s.trim().toUpperCase(Locale.ROOT));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "training.loss_type for dpo must be sigmoid, ipo, hinge or robust, got '" + s + "'");
    }
  }

  /**
   * Per-pair losses.
   *
   * @param rhoC (pairs) policy minus reference log-prob of the chosen completions
   * @param rhoR (pairs) same for the rejected completions
   * @param lenC (pairs) chosen completion lengths in tokens (IPO only)
   * @param lenR (pairs) rejected completion lengths in tokens (IPO only)
   * @return (pairs)
   */
  public NDArray loss(
      NDArray rhoC, NDArray rhoR, NDArray lenC, NDArray lenR, double beta, double labelSmoothing) {
    NDArray delta = rhoC.sub(rhoR); // (pairs)
    NDArray z = Scalars.mul(delta, beta);
    switch (this) {
      case SIGMOID:
        return logSigmoid(z).neg();
      case IPO:
        NDArray avg = rhoC.div(lenC).sub(rhoR.div(lenR));
        return avg.sub((float) (1.0 / (2.0 * beta))).square();
      case HINGE:
        return Scalars.maximum(z.neg().add(1f), 0);
      case ROBUST:
        float e = (float) labelSmoothing;
        return Scalars.div(
            Scalars.mul(logSigmoid(z), -(1 - e)).add(Scalars.mul(logSigmoid(z.neg()), e)),
            1 - 2 * e);
      default:
        throw new IllegalStateException(name());
    }
  }

  /** {@code log sigmoid(x) = -softplus(-x)}, computed stably. */
  static NDArray logSigmoid(NDArray x) {
    // -softplus(-x) = min(x, 0) - log1p(exp(-|x|))
    return Scalars.minimum(x, 0).sub(x.abs().neg().exp().add(1f).log());
  }
}
