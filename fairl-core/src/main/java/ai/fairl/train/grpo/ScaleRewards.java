package ai.fairl.train.grpo;

import java.util.Locale;

/**
 * How group advantages are scaled ({@code scale_rewards}): {@code A_i = (r_i − μ_group) / (σ +
 * 1e-4)} with σ the unbiased std of the group ({@link #GROUP}) or of the whole batch ({@link
 * #BATCH}); {@link #NONE} keeps {@code A_i = r_i − μ_group} (Dr. GRPO).
 */
public enum ScaleRewards {
  GROUP,
  BATCH,
  NONE;

  /** Parses {@code group}, {@code batch}, {@code none}, and TRL's {@code true}/{@code false}. */
  public static ScaleRewards parse(String s) {
    String k = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
    return switch (k) {
      case "group", "true" -> GROUP;
      case "batch" -> BATCH;
      case "none", "false" -> NONE;
      default ->
          throw new IllegalArgumentException(
              "training.scale_rewards must be group, batch or none, got '" + s + "'");
    };
  }
}
