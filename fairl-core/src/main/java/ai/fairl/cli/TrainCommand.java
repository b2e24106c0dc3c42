package ai.fairl.cli;

import ai.fairl.recipe.Recipes;
import ai.fairl.recipe.Resolved;
import ai.fairl.recipe.RunOptions;
import ai.fairl.recipe.TrainingRecipe;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code fai-rl-train}: resolve a training recipe, check it, prepare output_dir, train. */
@Command(
    name = "fai-rl-train",
    mixinStandardHelpOptions = true,
    versionProvider = Version.class,
    sortOptions = false,
    description = "Train with a FAI-RL recipe: sft, cpt, dpo, reward, grpo, gspo or ppo.",
    footer = {
      "",
      "Examples:",
      "  fai-rl-train --recipe recipes/training/grpo/tiny_arithmetic.yaml --dry-run",
      "  fai-rl-train --recipe recipes/training/sft/llama3_3B_lora.yaml training.learning_rate=5e-5",
      "",
      "Exit status: 0 done, 2 usage or recipe error, 1 runtime failure."
    })
final class TrainCommand implements Callable<Integer> {
  private final Session s;
  private final String[] args;

  @Mixin CommonOptions common;

  @Option(
      names = "--num-gpus",
      paramLabel = "N",
      description = "GPUs on this node (default 1; CPU if none is visible).")
  int numGpus = 1;

  @Option(names = "--nnodes", paramLabel = "N", description = "Nodes in the job (default 1).")
  int nnodes = 1;

  @Option(names = "--node-rank", paramLabel = "R", description = "This node's rank (default 0).")
  int nodeRank = 0;

  @Option(
      names = "--master-addr",
      paramLabel = "HOST",
      description = "Rank-0 address (default 127.0.0.1).")
  String masterAddr = "127.0.0.1";

  @Option(
      names = "--master-port",
      paramLabel = "PORT",
      description = "Rank-0 port (default 29500).")
  int masterPort = 29500;

  TrainCommand(Session s, String[] args) {
    this.s = s;
    this.args = args;
  }

  @Override
  public Integer call() throws Exception {
    s.debug = common.debug;
    Runs.requireRecipeOrOverrides(common);
    Runs.extendClasspath(common.classpath);
    Resolved<TrainingRecipe> r = Recipes.training(common.recipe, common.overrides, Cli.context(s));
    TrainingRecipe recipe = r.recipe();
    Runs.printNotices(s, r);
    String device = Devices.choose(numGpus, nnodes, s.env, s);
    if (device.equals("cpu")) {
      cpuPrecisionNotice(recipe);
    }
    if (common.dryRun) {
      return Runs.dryRun(s, r);
    }
    Path out = s.workDir.resolve(recipe.training().outputDir());
    checkOutputDir(out, recipe);
    if (common.nohup) {
      Runs.detach(s, "fai-rl-train", recipe.training().algorithm() + "_training", args);
      return 0;
    }
    TrainRunner runner = Engines.train();
    Files.createDirectories(out);
    Files.writeString(out.resolve(Resolved.FILE_NAME), r.render());
    RunOptions options =
        Runs.options(
            device,
            numGpus,
            nnodes,
            nodeRank,
            masterAddr,
            masterPort,
            common.debug,
            common.recipe,
            out.resolve(LOG_FILE));
    try (ConsoleLog log = ConsoleLog.start(out.resolve(LOG_FILE))) {
      runner.run(recipe, options);
    }
    return 0;
  }

  /** The run's console output, copied into output_dir. */
  static final String LOG_FILE = "train.log";

  private void cpuPrecisionNotice(TrainingRecipe recipe) {
    StringBuilder what = new StringBuilder();
    if (recipe.training().bf16()) {
      what.append("training.bf16: true");
    } else if (recipe.training().fp16()) {
      what.append("training.fp16: true");
    }
    if (!recipe.model().torchDtype().equals("float32")) {
      what.append(what.length() > 0 ? " and " : "")
          .append("model.torch_dtype: ")
          .append(recipe.model().torchDtype());
    }
    if (what.length() > 0) {
      s.notice("the CPU runs in float32; " + what + " apply on a GPU only");
    }
  }

  private static void checkOutputDir(Path out, TrainingRecipe recipe) throws IOException {
    if (!Files.exists(out)) {
      return;
    }
    if (!Files.isDirectory(out)) {
      throw new UsageException(
          "training.output_dir " + out + " exists and is a file",
          "choose another training.output_dir");
    }
    boolean empty;
    try (Stream<Path> entries = Files.list(out)) {
      empty = entries.findAny().isEmpty();
    }
    if (empty
        || recipe.training().overwriteOutputDir()
        || recipe.training().resumeFromCheckpoint() != null) {
      return;
    }
    throw new UsageException(
        "training.output_dir " + out + " already exists and is not empty; nothing was changed",
        "choose a new training.output_dir, resume with training.resume_from_checkpoint=latest,"
            + " or allow replacing files with training.overwrite_output_dir=true");
  }
}
