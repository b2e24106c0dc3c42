package ai.fairl.train.grpo;

import java.util.Locale;

/**
 * Where GRPO's importance ratio lives ({@code importance_sampling_level}).
 *
 * <p>{@code log_r_t = π_t − π_old_t} per completion token.
 */
public enum ImportanceLevel {
  /** {@code w_t = exp(log_r_t)}, one ratio per token (GRPO). */
  TOKEN,
  /**
   * {@code w = exp( Σ_t m_t·log_r_t / max(1, Σ_t m_t) )}, one ratio per sequence, the geometric
   * mean of its token ratios (GSPO, Zheng et al. 2025).
   */
  SEQUENCE;

  /** Parses {@code token} or {@code sequence}. */
  public static ImportanceLevel parse(String s) {
    String k = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
    return switch (k) {
      case "token" -> TOKEN;
      case "sequence" -> SEQUENCE;
      default ->
          throw new IllegalArgumentException(
              "training.importance_sampling_level must be token (GRPO) or sequence (GSPO), got '"
                  + s
                  + "'");
    };
  }
}
