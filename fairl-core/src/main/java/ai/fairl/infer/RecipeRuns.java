/*
 * The bridge from the recipe records (ai.fairl.recipe) to the engines: recipe keys to specs, the
 * process environment for API keys, local models through LocalModels, and Ctrl-C: a shutdown hook
 * trips the StopSignal and waits (up to a minute) for the batch in flight to be written, so a rerun
 * resumes where the interrupted one stopped.
 */
package ai.fairl.infer;

import ai.fairl.train.StopSignal;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Runs recipes from the CLIs and notebooks. */
public final class RecipeRuns {
  private RecipeRuns() {}

  /** The spec of an {@code inference:} recipe section. */
  public static InferenceSpec spec(ai.fairl.recipe.Inference r) {
    return InferenceSpec.builder()
        .modelPaths(r.modelPaths())
        .model(r.model())
        .api(r.apiEndpoint(), r.apiKey(), provider(r.provider()))
        .dataset(r.datasetName(), r.datasetSplit())
        .outputFile(Path.of(r.outputFile()))
        .systemPrompt(r.systemPrompt())
        .userPrompt(r.userPrompt())
        .datasetColumns(r.datasetColumns().isEmpty() ? null : r.datasetColumns())
        .responseColumn(r.responseColumn())
        .checkpointColumn(r.checkpointColumn())
        .params(new GenerationParams(r.temperature(), r.topP(), r.maxNewTokens(), r.doSample()))
        .batchSize(r.batchSize())
        .hostedLlmConfig(r.hostedLlmConfig())
        .apiClient(r.apiConcurrency(), r.apiMaxRetries(), r.apiTimeoutSeconds())
        .build();
  }

  /** The recipe's {@code provider}: null for auto (detect from the endpoint). */
  public static String provider(String p) {
    return p == null || p.equalsIgnoreCase("auto") ? null : p;
  }

  /**
   * Runs {@code body} with a StopSignal that Ctrl-C trips; the hook waits for {@code body} to
   * finish writing before the JVM exits.
   */
  public static <T> T withInterrupt(java.util.function.Function<StopSignal, T> body) {
    StopSignal stop = new StopSignal();
    CountDownLatch done = new CountDownLatch(1);
    Thread hook =
        new Thread(
            () -> {
              stop.request("interrupted (Ctrl-C)");
              System.err.println(
                  "\ninterrupted: finishing the batch in flight and writing results...");
              try {
                done.await(60, TimeUnit.SECONDS);
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "fairl-interrupt");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return body.apply(stop);
    } finally {
      done.countDown();
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook is running: it waited for us
      }
    }
  }
}
