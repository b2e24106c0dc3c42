package ai.fairl.infer;

/**
 * A model's answer to one {@link Prompt}: the text, token counts (-1 where unknown) and, for a
 * failed request, the error (then {@code text} is empty).
 */
public record Completion(String text, int promptTokens, int completionTokens, String error) {
  public Completion {
    text = text == null ? "" : text;
  }

  public static Completion ok(String text, int promptTokens, int completionTokens) {
    return new Completion(text, promptTokens, completionTokens, null);
  }

  public static Completion failed(String error) {
    return new Completion("", -1, -1, error == null ? "unknown error" : error);
  }

  public boolean succeeded() {
    return error == null;
  }
}
