package ai.fairl.train;

import java.util.Locale;

/**
 * Learning-rate schedules as in Hugging Face {@code transformers.get_scheduler}: a linear warm-up
 * from 0 over {@code warmup} steps, then
 *
 * <ul>
 *   <li>{@code LINEAR}: {@code lr * (total - s) / (total - warmup)}, down to 0 at the last step;
 *   <li>{@code COSINE}: {@code lr * 0.5 * (1 + cos(pi * (s - warmup) / (total - warmup)))};
 *   <li>{@code CONSTANT}: {@code lr} (HF's {@code constant_with_warmup}; {@code constant} when
 *       warmup is 0).
 * </ul>
 *
 * {@code s} is the number of optimizer steps already taken (0 for the first step), as in HF's
 * {@code LambdaLR}.
 */
public enum LrSchedule {
  LINEAR,
  COSINE,
  CONSTANT;

  /** Parses FAI-RL/HF names: linear, cosine, constant, constant_with_warmup (case-insensitive). */
  public static LrSchedule parse(String name) {
    String n = name == null ? "linear" : name.trim().toLowerCase(Locale.ROOT);
    switch (n) {
      case "linear":
        return LINEAR;
      case "cosine":
        return COSINE;
      case "constant":
      case "constant_with_warmup":
        return CONSTANT;
      default:
        throw new IllegalArgumentException(
            "training.lr_scheduler_type must be linear, cosine or constant, got '"
                + name
                + "'; set one of those.");
    }
  }

  /** Warm-up steps from an explicit count (wins when > 0) or a ratio of the total steps. */
  public static int warmupSteps(int warmupSteps, double warmupRatio, int totalSteps) {
    if (warmupSteps > 0) {
      return warmupSteps;
    }
    return (int) Math.ceil(warmupRatio * totalSteps);
  }

  /** The learning rate for the optimizer step after {@code stepsDone} steps. */
  public double rate(double peak, int stepsDone, int warmup, int total) {
    if (stepsDone < warmup) {
      return peak * stepsDone / Math.max(1, warmup);
    }
    double span = Math.max(1, total - warmup);
    double progress = (stepsDone - warmup) / span;
    switch (this) {
      case LINEAR:
        return peak * Math.max(0.0, 1.0 - progress);
      case COSINE:
        return peak * Math.max(0.0, 0.5 * (1.0 + Math.cos(Math.PI * progress)));
      case CONSTANT:
      default:
        return peak;
    }
  }
}
