package ai.fairl.cli;

import ai.fairl.recipe.EvaluationRecipe;
import ai.fairl.recipe.Recipes;
import ai.fairl.recipe.Resolved;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code fai-rl-eval}: MMLU or GSM8K accuracy of a model. */
@Command(
    name = "fai-rl-eval",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false,
    description = "Evaluate a model on MMLU or GSM8K with a FAI-RL evaluation recipe.",
    footer = {
      "",
      "Examples:",
      "  fai-rl-eval --recipe recipes/evaluation/mmlu/tiny_mmlu.yaml --dry-run",
      "  fai-rl-eval --recipe recipes/evaluation/gsm8k/qwen3_4B.yaml evaluation.max_examples=50",
      "",
      "Overrides start with evaluation. (keys are relative to the recipe root).",
      "Exit status: 0 done, 2 usage or recipe error, 1 runtime failure."
    })
final class EvalCommand implements Callable<Integer> {
  private final Session s;
  private final String[] args;

  @Mixin CommonOptions common;

  EvalCommand(Session s, String[] args) {
    this.s = s;
    this.args = args;
  }

  @Override
  public Integer call() throws Exception {
    s.debug = common.debug;
    Runs.requireRecipeOrOverrides(common);
    Runs.extendClasspath(common.classpath);
    Resolved<EvaluationRecipe> r =
        Recipes.load(common.recipe, common.overrides, Cli.context(s), EvaluationRecipe.class);
    Runs.printNotices(s, r);
    if (common.dryRun) {
      return Runs.dryRun(s, r);
    }
    String device = r.recipe().evaluation().apiMode() ? "cpu" : Devices.choose(1, 1, s.env, s);
    if (common.nohup) {
      Runs.detach(s, "fai-rl-eval", "Evaluation", args);
      return 0;
    }
    EvalRunner runner = Engines.eval();
    runner.run(
        r.recipe(),
        Runs.options(device, 1, 1, 0, "127.0.0.1", 29500, common.debug, common.recipe, null));
    return 0;
  }
}
