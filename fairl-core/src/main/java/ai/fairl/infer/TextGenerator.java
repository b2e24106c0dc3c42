package ai.fairl.infer;

import java.util.List;

/**
 * Anything that answers prompts: a local model, an API provider, or a scripted stand-in in tests.
 * {@link #generate} returns exactly one completion per prompt, in order; a prompt that fails gives
 * {@link Completion#failed} rather than an exception, so one bad row never loses the batch.
 * Exceptions are for failures that doom every request (bad key, unknown model).
 */
public interface TextGenerator extends AutoCloseable {
  /** A short name for logs and the summary (a checkpoint path, an API model name). */
  String name();

  /** How many prompts {@link #generate} should get at a time. */
  default int batchSize() {
    return 1;
  }

  List<Completion> generate(List<Prompt> prompts, GenerationParams params);

  @Override
  default void close() {}
}
