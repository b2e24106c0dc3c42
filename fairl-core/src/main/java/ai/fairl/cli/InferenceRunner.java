package ai.fairl.cli;

import ai.fairl.recipe.InferenceRecipe;
import ai.fairl.recipe.RunOptions;

/**
 * The inference engine as the CLI sees it: a {@code META-INF/services/ai.fairl.cli.InferenceRunner}
 * entry, or else the static method {@code ai.fairl.infer.Inference.run(InferenceRecipe,
 * RunOptions)}.
 */
public interface InferenceRunner {
  /** Runs inference and writes the output files; throws on failure. */
  void run(InferenceRecipe recipe, RunOptions options) throws Exception;
}
