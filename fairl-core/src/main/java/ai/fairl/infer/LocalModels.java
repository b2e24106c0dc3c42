package ai.fairl.infer;

import ai.fairl.recipe.RunOptions;

/** Opens local models for inference and evaluation on the device the run options name. */
public final class LocalModels {
  private LocalModels() {}

  /** The loader for local checkpoints, Hub ids and {@code tiny:<family>} models. */
  public static ModelLoader loader(RunOptions options) {
    return (pathOrId, batchSize) -> {
      throw new IllegalStateException(
          "local model "
              + pathOrId
              + ": the local generation engine (ai.fairl.generate) is not in this build yet;"
              + " use an API model (inference.model with api_endpoint)");
    };
  }
}
