package ai.fairl.cli;

import ai.fairl.recipe.InferenceRecipe;
import ai.fairl.recipe.Recipes;
import ai.fairl.recipe.Resolved;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code fai-rl-inference}: generate for a dataset with a local model or a hosted API. */
@Command(
    name = "fai-rl-inference",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false,
    description =
        "Run inference with a FAI-RL inference recipe (local checkpoints or a hosted API).",
    footer = {
      "",
      "Examples:",
      "  fai-rl-inference --recipe recipes/inference/tiny_local.yaml --dry-run",
      "  fai-rl-inference --recipe recipes/inference/llama3_3B.yaml inference.do_sample=false",
      "",
      "Overrides start with inference. (keys are relative to the recipe root).",
      "Exit status: 0 done, 2 usage or recipe error, 1 runtime failure."
    })
final class InferenceCommand implements Callable<Integer> {
  private final Session s;
  private final String[] args;

  @Mixin CommonOptions common;

  InferenceCommand(Session s, String[] args) {
    this.s = s;
    this.args = args;
  }

  @Override
  public Integer call() throws Exception {
    s.debug = common.debug;
    Runs.requireRecipeOrOverrides(common);
    Runs.extendClasspath(common.classpath);
    Resolved<InferenceRecipe> r =
        Recipes.load(common.recipe, common.overrides, Cli.context(s), InferenceRecipe.class);
    Runs.printNotices(s, r);
    if (common.dryRun) {
      return Runs.dryRun(s, r);
    }
    String device = r.recipe().inference().apiMode() ? "cpu" : Devices.choose(1, 1, s.env, s);
    if (common.nohup) {
      Runs.detach(s, "fai-rl-inference", "Inference", args);
      return 0;
    }
    InferenceRunner runner = Engines.inference();
    runner.run(
        r.recipe(),
        Runs.options(device, 1, 1, 0, "127.0.0.1", 29500, common.debug, common.recipe, null));
    return 0;
  }
}
