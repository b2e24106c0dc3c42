package ai.fairl.cli;

import ai.fairl.recipe.EvaluationRecipe;
import ai.fairl.recipe.RunOptions;

/**
 * The evaluation engine as the CLI sees it: a {@code META-INF/services/ai.fairl.cli.EvalRunner}
 * entry, or else the static method {@code ai.fairl.eval.Evaluation.run(EvaluationRecipe,
 * RunOptions)}.
 */
public interface EvalRunner {
  /** Evaluates and writes the result files; throws on failure. */
  void run(EvaluationRecipe recipe, RunOptions options) throws Exception;
}
