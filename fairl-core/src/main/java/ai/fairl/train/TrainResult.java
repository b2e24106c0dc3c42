package ai.fairl.train;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * How a run ended.
 *
 * @param step the last completed optimizer step
 * @param reason {@code completed} or {@code stopped}
 * @param outputDir where the run wrote
 * @param history every logged entry in order (TRL's {@code log_history}: step, epoch, metrics)
 * @param evalHistory every eval entry in order ({@code eval_loss} and friends)
 * @param lastCheckpoint the newest checkpoint written, or null
 * @param tokensPerSecond training tokens per wall-clock second over this process's steps
 */
public record TrainResult(
    int step,
    String reason,
    Path outputDir,
    List<Map<String, Double>> history,
    List<Map<String, Double>> evalHistory,
    Path lastCheckpoint,
    double tokensPerSecond) {
  public TrainResult {
    history = List.copyOf(history);
    evalHistory = List.copyOf(evalHistory);
  }

  /** The {@code loss} of every logged entry, in order. */
  public List<Double> losses() {
    return history.stream().map(m -> m.get("loss")).toList();
  }
}
