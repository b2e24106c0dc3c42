package ai.fairl.eval;

/**
 * FAI-RL's accuracy metrics over a group of rows: {@code overall_accuracy = correct / total},
 * {@code valid_accuracy = correct / valid}, {@code extraction_success_rate = valid / total}, where
 * a row is valid when an answer could be extracted from the response (a failed request is invalid).
 * Empty groups give 0, not NaN.
 */
public record Metrics(int total, int correct, int valid) {
  public Metrics {
    if (total < 0 || correct < 0 || valid < 0 || correct > valid || valid > total) {
      throw new IllegalArgumentException(
          "inconsistent counts: total " + total + ", valid " + valid + ", correct " + correct);
    }
  }

  public static final Metrics EMPTY = new Metrics(0, 0, 0);

  public Metrics add(boolean isValid, boolean isCorrect) {
    return new Metrics(total + 1, correct + (isCorrect ? 1 : 0), valid + (isValid ? 1 : 0));
  }

  public double overallAccuracy() {
    return total == 0 ? 0 : (double) correct / total;
  }

  public double validAccuracy() {
    return valid == 0 ? 0 : (double) correct / valid;
  }

  public double extractionSuccessRate() {
    return total == 0 ? 0 : (double) valid / total;
  }

  public int invalid() {
    return total - valid;
  }
}
