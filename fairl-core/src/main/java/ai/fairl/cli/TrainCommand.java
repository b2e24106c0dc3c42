package ai.fairl.cli;

import ai.fairl.recipe.Recipes;
import ai.fairl.recipe.Resolved;
import ai.fairl.recipe.RunOptions;
import ai.fairl.recipe.TrainingRecipe;
import ai.fairl.train.WorldEnv;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
      description =
          "GPUs on this node (default 1; CPU if none is visible). N > 1 starts one worker process"
              + " per GPU (data parallel) and supervises them.")
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
      description = "Rank-0 port (default: a free port on one node, 29500 across nodes).")
  Integer masterPort;

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
    Optional<WorldEnv> worker = workerEnv();
    boolean main = worker.map(WorldEnv::isMain).orElse(true);
    if (main) {
      Runs.printNotices(s, r); // once, not once per rank
    }
    if (nodeRank < 0 || nodeRank >= nnodes) {
      throw new UsageException(
          "--node-rank must be in [0, --nnodes=" + nnodes + "), got " + nodeRank,
          "number the nodes 0 .. " + (nnodes - 1));
    }
    String device;
    if (worker.isPresent()) {
      device = Devices.visibleGpus(s.env) > 0 ? "gpu" : "cpu";
      if (main && device.equals("cpu")) {
        s.notice("no GPU visible" + "; worker ranks run on the CPU (Gloo)");
      }
    } else {
      device = Devices.choose(numGpus, nnodes, s.env, s);
    }
    if (device.equals("cpu") && main) {
      cpuPrecisionNotice(recipe);
    }
    if (common.dryRun) {
      return Runs.dryRun(s, r);
    }
    Path out = s.workDir.resolve(recipe.training().outputDir());
    if (main) {
      checkOutputDir(out, recipe);
    }
    if (common.nohup) {
      Runs.detach(s, "fai-rl-train", recipe.training().algorithm() + "_training", args);
      return 0;
    }
    if (worker.isEmpty() && numGpus * nnodes > 1) {
      List<String> jvmOnly =
          ai.fairl.reward.RewardRegistry.onlyInThisJvm(recipe.training().rewardFunctions());
      if (!jvmOnly.isEmpty()) {
        String[] e = ai.fairl.reward.RewardRegistry.workerError(jvmOnly, numGpus);
        throw new UsageException(e[0], e[1]);
      }
      return launch(out);
    }
    TrainRunner runner = Engines.train();
    if (main) {
      Files.createDirectories(out);
      Files.writeString(out.resolve(Resolved.FILE_NAME), r.render());
    }
    RunOptions options =
        Runs.options(
            device,
            numGpus,
            nnodes,
            nodeRank,
            masterAddr,
            masterPort == null ? 29500 : masterPort,
            common.debug,
            common.recipe,
            out.resolve(LOG_FILE));
    if (!main) {
      runner.run(recipe, options); // only rank 0 writes train.log
      return 0;
    }
    try (ConsoleLog log = ConsoleLog.start(out.resolve(LOG_FILE))) {
      runner.run(recipe, options);
    }
    return 0;
  }

  /** torchrun's variables, when this process is a worker of a data-parallel job. */
  private Optional<WorldEnv> workerEnv() {
    try {
      return WorldEnv.fromEnv(s.env);
    } catch (IllegalArgumentException e) {
      throw new UsageException(
          e.getMessage(),
          "set RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT as torchrun does, or unset them");
    }
  }

  /**
   * Starts one worker per GPU of this node with torchrun's variables and supervises them; a worker
   * that fails stops the others.
   */
  private int launch(Path out) {
    int port = masterPort != null ? masterPort : nnodes == 1 ? Workers.freePort() : 29500;
    int world = numGpus * nnodes;
    int firstRank = nodeRank * numGpus;
    List<ProcessBuilder> workers = new ArrayList<>();
    for (int local = 0; local < numGpus; local++) {
      WorldEnv w = new WorldEnv(firstRank + local, local, world, numGpus, masterAddr, port);
      ProcessBuilder pb = new ProcessBuilder(workerCommand(args)).directory(s.workDir.toFile());
      pb.environment().putAll(s.env);
      pb.environment().putAll(w.toEnv());
      workers.add(pb);
    }
    s.notice(
        "starting "
            + numGpus
            + " workers (ranks "
            + firstRank
            + ".."
            + (firstRank + numGpus - 1)
            + " of "
            + world
            + "), rendezvous at "
            + masterAddr
            + ":"
            + port);
    try {
      Workers.run(workers, firstRank, s.out, s.err, EXIT_GRACE, KILL_GRACE);
    } catch (Workers.Failure f) {
      throw new Workers.Failure(
          f.getMessage(),
          f.rank,
          f.exitCode,
          "resume from the last checkpoint in "
              + out
              + " with: "
              + s.tool
              + (s.tool.equals("fairl") ? " train " : " ")
              + String.join(" ", args)
              + " training.resume_from_checkpoint=latest");
    }
    return 0;
  }

  /** How long the other workers may run after one finished cleanly (rank 0 writes the model). */
  static final Duration EXIT_GRACE = Duration.ofMinutes(30);

  /** Between SIGTERM and SIGKILL when stopping workers. */
  static final Duration KILL_GRACE = Duration.ofSeconds(10);

  /** This JVM, class path and options, running {@code fai-rl-train args} (minus --nohup). */
  static List<String> workerCommand(String[] args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String a : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!a.startsWith("-agentlib") && !a.startsWith("-javaagent") && !a.startsWith("-Xrun")) {
        cmd.add(a);
      }
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(Main.class.getName());
    cmd.add("fai-rl-train");
    for (String a : args) {
      if (!a.equals("--nohup")) {
        cmd.add(a);
      }
    }
    return cmd;
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
