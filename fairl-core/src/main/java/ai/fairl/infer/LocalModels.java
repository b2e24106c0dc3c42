package ai.fairl.infer;

import ai.fairl.recipe.RunOptions;

/** Opens local models for inference and evaluation on the device the run options name. */
public final class LocalModels {
  private LocalModels() {}

  /**
   * The loader for local checkpoints, PEFT adapter folders, Hub ids and {@code tiny:<family>}
   * models; {@code seed} seeds sampling and tiny models' weights. Simplified: the CPU in fp32 (a
   * {@code gpu} device runs on the CPU with a notice until the GPU engine lands).
   */
  public static ModelLoader loader(RunOptions options, long seed) {
    if (options != null && options.device().equals("gpu")) {
      System.err.println("notice: local inference runs on the CPU in fp32 in this build");
    }
    return (pathOrId, batchSize) -> LocalGenerator.open(pathOrId, batchSize, seed);
  }
}
