package ai.fairl.infer;

import java.nio.file.Path;
import java.util.List;

/**
 * What an inference run produced: every row for every checkpoint in dataset order (failed rows
 * included), the files written, and whether the run finished ({@code complete} is false when it was
 * stopped; a rerun with the same output resumes it).
 */
public record InferenceResult(
    List<RowResult> rows,
    Path csv,
    Path jsonl,
    Path summary,
    boolean complete,
    int reused,
    int succeeded,
    int failed,
    double wallSeconds) {
  public InferenceResult {
    rows = List.copyOf(rows);
  }

  /** The rows of one checkpoint, in dataset order. */
  public List<RowResult> rowsOf(String checkpoint) {
    return rows.stream().filter(r -> java.util.Objects.equals(r.checkpoint(), checkpoint)).toList();
  }
}
