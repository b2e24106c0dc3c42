package ai.fairl.train;

import java.nio.file.Path;
import java.util.Map;

/**
 * The one event contract of a training run. The console progress bar, {@code metrics.jsonl}, W&B,
 * the end-of-run charts and the notebook's live display are all listeners.
 *
 * <p>Metric keys follow TRL's names ({@code loss}, {@code grad_norm}, {@code learning_rate}, {@code
 * rewards/chosen}, {@code reward}, {@code kl}, ...). Every method has an empty default so a
 * listener implements only what it needs.
 */
public interface TrainListener {

  /** Called once before the first step. {@code totalSteps} is the planned number of steps. */
  default void onStart(RunInfo run) {}

  /** Called after every optimizer step that is a logging step. */
  default void onStep(int step, double epoch, Map<String, Double> metrics) {}

  /** Called after an evaluation pass; keys are prefixed with {@code eval_}. */
  default void onEval(int step, Map<String, Double> metrics) {}

  /** Called after a checkpoint folder was written completely. */
  default void onCheckpoint(int step, Path checkpointDir) {}

  /** Called once when the run ends, normally, by a stop signal, or by an error. */
  default void onEnd(EndInfo end) {}

  /** What a run is, as listeners need it. */
  record RunInfo(String algorithm, Path outputDir, int totalSteps, int startStep) {}

  /** How a run ended. {@code reason} is {@code completed}, {@code stopped} or {@code failed}. */
  record EndInfo(int step, String reason, Path outputDir, Throwable error) {}
}
