package ai.fairl.infer;

/**
 * One request to a model. Flat mode (FAI-RL's {@code system_prompt} alone, {@code chat == false}):
 * the rendered template is the whole text; a local model sees it raw, with no chat template, and an
 * API gets it as the user message. Chat mode ({@code user_prompt} set): an optional system turn and
 * the user turn, through the model's chat template or the API's roles.
 */
public record Prompt(String system, String user, boolean chat) {
  public Prompt {
    if (user == null) {
      throw new IllegalArgumentException("a prompt needs a user turn, got null");
    }
    if (system != null && system.isEmpty()) {
      system = null;
    }
    if (!chat && system != null) {
      throw new IllegalArgumentException(
          "a flat prompt has no system turn; use Prompt.chat(system, user)");
    }
  }

  /** A flat prompt: raw text for a local model, the user message for an API. */
  public static Prompt of(String text) {
    return new Prompt(null, text, false);
  }

  /** A chat prompt; {@code system} may be null or empty. */
  public static Prompt chat(String system, String user) {
    return new Prompt(system, user, true);
  }
}
