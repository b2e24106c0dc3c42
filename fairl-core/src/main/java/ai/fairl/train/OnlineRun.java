package ai.fairl.train;

import ai.fairl.model.Tokenizer;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;

/**
 * What an online-RL run (GRPO/GSPO, PPO) needs besides its recipe and its policy: the tokenizer,
 * where it writes and reads, who listens, how it stops, where user classes (rewards) load from, and
 * this process's place in a data-parallel job.
 *
 * @param tokenizer the policy's tokenizer
 * @param outputDir where the run writes (the recipe's {@code output_dir}, resolved)
 * @param datasetBase where relative dataset paths resolve
 * @param listeners step, eval, checkpoint and end events
 * @param stop the shared stop signal (SIGINT, the kernel's interrupt; null: a fresh one)
 * @param loader where reward classes named by the recipe load from (null: the default)
 * @param dp this process's place in a data-parallel job ({@link DataParallel#single()} alone)
 */
public record OnlineRun(
    Tokenizer tokenizer,
    Path outputDir,
    Path datasetBase,
    List<TrainListener> listeners,
    StopSignal stop,
    ClassLoader loader,
    DataParallel dp) {
  public OnlineRun {
    Objects.requireNonNull(outputDir, "outputDir");
    Objects.requireNonNull(datasetBase, "datasetBase");
    stop = stop == null ? new StopSignal() : stop;
    Objects.requireNonNull(dp, "dp");
    listeners = List.copyOf(listeners);
  }
}
