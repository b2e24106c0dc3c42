package ai.fairl.infer;

/**
 * One request to a model: an optional system turn and the user turn. Flat mode (FAI-RL's {@code
 * system_prompt} alone) sends the rendered template as the user turn with no system turn; chat mode
 * sends both.
 */
public record Prompt(String system, String user) {
  public Prompt {
    if (user == null) {
      throw new IllegalArgumentException("a prompt needs a user turn, got null");
    }
    if (system != null && system.isEmpty()) {
      system = null;
    }
  }

  /** A prompt with only a user turn. */
  public static Prompt of(String user) {
    return new Prompt(null, user);
  }
}
