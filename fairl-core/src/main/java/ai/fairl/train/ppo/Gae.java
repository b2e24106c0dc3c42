package ai.fairl.train.ppo;

import ai.fairl.train.grpo.KlEstimator;

/**
 * PPO's advantage arithmetic as TRL's {@code PPOTrainer} does it (experimental/ppo, L757-850):
 * per-token rewards from the KL penalty plus the score on the last token, generalised advantage
 * estimation (Schulman et al. 2016), and masked whitening.
 *
 * <pre>
 * r_t = −kl_coef · kl_t ;  r_{T−1} += score
 * δ_t = r_t + γ·V_{t+1} − V_t        (V_T = 0)
 * A_t = δ_t + γλ·A_{t+1}             (A_T = 0)
 * R_t = A_t + V_t
 * </pre>
 */
public final class Gae {
  private Gae() {}

  /** Advantages and value targets (returns) of one episode. */
  public record Result(double[] advantages, double[] returns) {}

  /**
   * @param rewards r_t of one episode's response tokens (padding excluded)
   * @param values V_t of the same tokens
   */
  public static Result compute(double[] rewards, double[] values, double gamma, double lam) {
    if (rewards.length != values.length) {
      throw new IllegalArgumentException(
          rewards.length + " rewards but " + values.length + " values; give one per token");
    }
    int n = rewards.length;
    double[] adv = new double[n];
    double[] ret = new double[n];
    double last = 0.0;
    for (int t = n - 1; t >= 0; t--) {
      double next = t + 1 < n ? values[t + 1] : 0.0;
      double delta = rewards[t] + gamma * next - values[t];
      last = delta + gamma * lam * last;
      adv[t] = last;
      ret[t] = last + values[t];
    }
    return new Result(adv, ret);
  }

  /**
   * Per-token rewards: the KL penalty on every token and the score on the last one.
   *
   * @param logp the policy's log-probs of the response tokens
   * @param refLogp the reference policy's
   */
  public static double[] tokenRewards(
      double[] logp, double[] refLogp, double score, double klCoef, KlEstimator kl) {
    double[] r = new double[logp.length];
    for (int t = 0; t < r.length; t++) {
      r[t] = -klCoef * kl.of(logp[t], refLogp[t]);
    }
    if (r.length > 0) {
      r[r.length - 1] += score;
    }
    return r;
  }

  /**
   * TRL's {@code masked_whiten} over every valid token of the batch: {@code (x − mean) / sqrt(var +
   * 1e-8)} with the unbiased variance; {@code shiftMean = false} adds the mean back.
   */
  public static double[][] whiten(double[][] x, boolean shiftMean) {
    double sum = 0;
    long n = 0;
    for (double[] row : x) {
      for (double v : row) {
        sum += v;
        n++;
      }
    }
    if (n < 2) {
      throw new IllegalArgumentException(
          "whitening needs at least 2 tokens in the batch, got " + n);
    }
    double mean = sum / n;
    double ss = 0;
    for (double[] row : x) {
      for (double v : row) {
        ss += (v - mean) * (v - mean);
      }
    }
    double var = ss / (n - 1);
    double inv = 1.0 / Math.sqrt(var + 1e-8);
    double[][] out = new double[x.length][];
    for (int i = 0; i < x.length; i++) {
      out[i] = new double[x[i].length];
      for (int t = 0; t < x[i].length; t++) {
        out[i][t] = (x[i][t] - mean) * inv + (shiftMean ? 0 : mean);
      }
    }
    return out;
  }
}
