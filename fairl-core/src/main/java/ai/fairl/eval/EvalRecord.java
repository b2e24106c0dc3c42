package ai.fairl.eval;

import java.util.Map;

/**
 * One scored row: the checkpoint (null for a single model), the row, its MMLU subject (null for
 * GSM8K), the columns written to {@code -eval.csv}, the raw response, the extracted prediction
 * (null when none could be extracted or the request failed), the ground truth and the verdict.
 */
public record EvalRecord(
    String checkpoint,
    int index,
    String subject,
    Map<String, Object> columns,
    String response,
    String prediction,
    String groundTruth,
    boolean correct) {
  public boolean valid() {
    return prediction != null;
  }
}
