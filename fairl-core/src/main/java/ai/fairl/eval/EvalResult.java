package ai.fairl.eval;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import tech.tablesaw.api.Table;

/**
 * The outcome of an evaluation: every scored row, the metrics per checkpoint overall, per MMLU
 * category and per subject (maps keyed by checkpoint label, then by name, in a stable order), the
 * same numbers as a Tablesaw table, and the files written ({@code chart} is null for GSM8K).
 */
public record EvalResult(
    List<EvalRecord> records,
    Map<String, Metrics> overall,
    Map<String, Map<String, Metrics>> byCategory,
    Map<String, Map<String, Metrics>> bySubject,
    Table table,
    Path evalCsv,
    Path summary,
    Path chart,
    boolean complete) {
  public EvalResult {
    records = List.copyOf(records);
  }

  /** The overall metrics of the only (or first) checkpoint. */
  public Metrics metrics() {
    return overall.values().iterator().next();
  }
}
