package ai.fairl.infer;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything one inference run needs once the recipe is read: the rows with their prompts, the
 * checkpoints, sampling, where to write ({@code outputFile} is the CSV; the JSONL and summary sit
 * beside it), FAI-RL's column names, and the facts the summary reports ({@code summaryFacts} must
 * hold no secrets).
 */
public record InferenceJob(
    List<InferenceItem> items,
    List<CheckpointSource> checkpoints,
    GenerationParams params,
    Path outputFile,
    List<String> datasetColumns,
    String responseColumn,
    String checkpointColumn,
    Map<String, Object> summaryFacts) {
  public InferenceJob {
    items = List.copyOf(items);
    checkpoints = List.copyOf(checkpoints);
    if (checkpoints.isEmpty()) {
      throw new IllegalArgumentException("an inference run needs at least one model");
    }
    if (checkpoints.stream().map(CheckpointSource::label).distinct().count()
        != checkpoints.size()) {
      throw new IllegalArgumentException(
          "model_paths lists a checkpoint twice: "
              + checkpoints.stream().map(CheckpointSource::label).toList());
    }
    if (outputFile == null) {
      throw new IllegalArgumentException("output_file is required");
    }
    datasetColumns = List.copyOf(datasetColumns);
    responseColumn = responseColumn == null ? "response" : responseColumn;
    checkpointColumn = checkpointColumn == null ? "checkpoint" : checkpointColumn;
    summaryFacts = summaryFacts == null ? Map.of() : Map.copyOf(summaryFacts);
  }

  /** True when more than one checkpoint is compared (FAI-RL then adds the checkpoint column). */
  public boolean multiCheckpoint() {
    return checkpoints.size() > 1;
  }

  /** The CSV path: output_file itself, with ".csv" added when it has another extension. */
  public Path csvFile() {
    String n = outputFile.getFileName().toString();
    return n.toLowerCase(java.util.Locale.ROOT).endsWith(".csv")
        ? outputFile
        : outputFile.resolveSibling(stem() + ".csv");
  }

  /** The output file name without its extension. */
  public String stem() {
    String n = outputFile.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot > 0 ? n.substring(0, dot) : n;
  }

  public Path jsonlFile() {
    return outputFile.resolveSibling(stem() + ".jsonl");
  }

  public Path summaryFile() {
    return outputFile.resolveSibling(stem() + "_summary.json");
  }
}
