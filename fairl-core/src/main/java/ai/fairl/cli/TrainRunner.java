package ai.fairl.cli;

import ai.fairl.recipe.RunOptions;
import ai.fairl.recipe.TrainingRecipe;

/**
 * The training engine as the CLI sees it. The CLI resolves and checks the recipe, prepares {@code
 * output_dir}, then calls this. Found with {@link java.util.ServiceLoader} (a {@code
 * META-INF/services/ai.fairl.cli.TrainRunner} entry), or else the static method {@code
 * ai.fairl.train.Training.run(TrainingRecipe, RunOptions)} when that class is on the classpath.
 */
public interface TrainRunner {
  /** Trains; throws on failure (the CLI exits 1, or 2 for a {@code RecipeException}). */
  void run(TrainingRecipe recipe, RunOptions options) throws Exception;
}
