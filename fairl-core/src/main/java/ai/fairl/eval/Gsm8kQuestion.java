package ai.fairl.eval;

/**
 * One GSM8K problem: the question, the reference solution (reasoning ending in "#### n") and its
 * normalised final number.
 */
public record Gsm8kQuestion(String question, String solution, String answer) {
  public Gsm8kQuestion {
    if (question == null || question.isBlank()) {
      throw new IllegalArgumentException("a GSM8K problem needs a question");
    }
  }

  /** A problem whose answer is read from its solution, as FAI-RL reads the ground truth. */
  public static Gsm8kQuestion of(String question, String solution) {
    return new Gsm8kQuestion(
        question,
        solution,
        NumberExtractor.groundTruth(solution)
            .orElseThrow(
                () ->
                    new IllegalArgumentException(
                        "GSM8K answer has no number (expected a last line '#### n'): "
                            + solution)));
  }
}
