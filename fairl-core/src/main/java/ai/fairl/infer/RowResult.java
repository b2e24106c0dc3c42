package ai.fairl.infer;

import java.util.Map;

/**
 * The outcome of one row for one checkpoint. A failed row keeps its place with an empty response
 * and its error; {@code fingerprint} identifies the prompt, model and settings it answered, so a
 * resumed run reuses only rows that would be asked the same way.
 */
public record RowResult(
    int index,
    String checkpoint,
    Map<String, Object> columns,
    String response,
    String error,
    int promptTokens,
    int completionTokens,
    double seconds,
    String fingerprint) {
  public boolean succeeded() {
    return error == null;
  }
}
