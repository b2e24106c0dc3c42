package ai.fairl.reward;

/**
 * A reward function threw, returned the wrong number of scores, or returned NaN or infinity. The
 * message names the function, the sample index and the sample (prompt, completion, columns).
 */
public final class RewardException extends RuntimeException {
  private static final long serialVersionUID = 1L;
  private final String function;
  private final int sampleIndex;

  RewardException(String message, String function, int sampleIndex, Throwable cause) {
    super(message, cause);
    this.function = function;
    this.sampleIndex = sampleIndex;
  }

  /** The reward's name. */
  public String function() {
    return function;
  }

  /** The index of the offending sample in the batch, or -1 when it concerns the whole batch. */
  public int sampleIndex() {
    return sampleIndex;
  }
}
