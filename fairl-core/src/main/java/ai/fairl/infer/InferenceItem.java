package ai.fairl.infer;

import java.util.Map;

/** One dataset row to answer: its position, the columns written to the output, and the prompt. */
public record InferenceItem(int index, Map<String, Object> columns, Prompt prompt) {
  public InferenceItem {
    if (index < 0) {
      throw new IllegalArgumentException("row index must be >= 0, got " + index);
    }
    columns = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(columns));
    if (prompt == null) {
      throw new IllegalArgumentException("row " + index + " has no prompt");
    }
  }
}
