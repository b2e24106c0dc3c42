package ai.fairl.train.grpo;

import java.util.Locale;

/**
 * How GRPO's per-token losses {@code L_t} (masked by {@code m}) become one number, as TRL's {@code
 * loss_type} (grpo_trainer.py {@code _compute_loss}). {@code G_acc} is the gradient accumulation;
 * the train loop divides every micro-batch loss by it, so the formulas below are per micro-batch.
 */
public enum LossType {
  /**
   * {@code mean_i( Σ_t m·L / max(1, Σ_t m) )}: each sequence's token mean, then the mean over
   * sequences (every sequence weighs the same, whatever its length). GRPO paper; GSPO paper.
   */
  GRPO,
  /** {@code Σ m·L / max(1, Σ m)}: the token mean over the micro-batch. */
  BNPO,
  /**
   * {@code Σ m·L / (B · max_completion_length)}: a constant normaliser, so no length bias (Dr.
   * GRPO).
   */
  DR_GRPO,
  /**
   * {@code Σ m·L / N_tok}, {@code N_tok} the completion tokens of the whole generation batch (all
   * accumulation steps): the token mean over everything generated together (DAPO). TRL's default.
   */
  DAPO;

  /** Parses a recipe value ({@code grpo}, {@code bnpo}, {@code dr_grpo}, {@code dapo}). */
  public static LossType parse(String s) {
    String k = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
    return switch (k) {
      case "grpo" -> GRPO;
      case "bnpo" -> BNPO;
      case "dr_grpo" -> DR_GRPO;
      case "dapo" -> DAPO;
      default ->
          throw new IllegalArgumentException(
              "training.loss_type must be one of grpo, bnpo, dr_grpo, dapo, got '" + s + "'");
    };
  }

  /** The recipe spelling. */
  public String key() {
    return name().toLowerCase(Locale.ROOT);
  }
}
