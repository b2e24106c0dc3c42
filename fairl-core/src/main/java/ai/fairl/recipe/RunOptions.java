package ai.fairl.recipe;

import java.nio.file.Path;

/**
 * How to run a recipe, as the command line (or a notebook) says: device, distribution, debug
 * output. The recipe says what to train; this says where.
 *
 * @param device {@code cpu} or {@code gpu}
 * @param numGpus GPUs to use on this node (1 until multi-GPU lands)
 * @param nnodes nodes in the job
 * @param nodeRank this node's rank
 * @param masterAddr the rank-0 node's address
 * @param masterPort the rank-0 node's port
 * @param debug print diagnostics (decoded first batches, prompts, stack traces)
 * @param recipeFile the recipe file, or null when built in code
 * @param logFile the run's log file, or null for the console only
 */
public record RunOptions(
    String device,
    int numGpus,
    int nnodes,
    int nodeRank,
    String masterAddr,
    int masterPort,
    boolean debug,
    Path recipeFile,
    Path logFile) {

  public RunOptions {
    device = Check.oneOf("device", device, "cpu", "gpu");
    Check.atLeast("--num-gpus", numGpus, 1);
    Check.atLeast("--nnodes", nnodes, 1);
    Check.require(
        nodeRank >= 0 && nodeRank < nnodes,
        "--node-rank",
        "--node-rank must be in [0, nnodes), got " + nodeRank,
        "use --node-rank 0 .. " + (nnodes - 1));
  }

  /** One CPU process, no debug output: what a notebook gets by default. */
  public static RunOptions cpu() {
    return new RunOptions("cpu", 1, 1, 0, "127.0.0.1", 29500, false, null, null);
  }
}
