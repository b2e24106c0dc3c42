package ai.fairl.train;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where this process sits in a data-parallel job, in torchrun's environment variables: {@code
 * RANK}, {@code LOCAL_RANK}, {@code WORLD_SIZE}, {@code LOCAL_WORLD_SIZE}, {@code MASTER_ADDR},
 * {@code MASTER_PORT}. {@code fai-rl-train --num-gpus N} sets them for its workers; torchrun, Slurm
 * or Kubernetes launchers that set them start the same worker.
 *
 * @param rank this process's rank in [0, worldSize)
 * @param localRank its rank on this node, which is also its GPU index
 * @param worldSize processes in the job
 * @param localWorldSize processes on this node
 * @param masterAddr the address where rank 0 serves the rendezvous store
 * @param masterPort its port
 */
public record WorldEnv(
    int rank, int localRank, int worldSize, int localWorldSize, String masterAddr, int masterPort) {

  public WorldEnv {
    if (worldSize < 1) {
      throw new IllegalArgumentException("WORLD_SIZE must be >= 1, got " + worldSize);
    }
    if (rank < 0 || rank >= worldSize) {
      throw new IllegalArgumentException(
          "RANK must be in [0, WORLD_SIZE=" + worldSize + "), got " + rank);
    }
    if (localWorldSize < 1 || localRank < 0 || localRank >= localWorldSize) {
      throw new IllegalArgumentException(
          "LOCAL_RANK must be in [0, LOCAL_WORLD_SIZE=" + localWorldSize + "), got " + localRank);
    }
    if (masterAddr == null || masterAddr.isBlank()) {
      throw new IllegalArgumentException("MASTER_ADDR must be set (rank 0's address)");
    }
    if (masterPort < 1 || masterPort > 65535) {
      throw new IllegalArgumentException("MASTER_PORT must be in 1..65535, got " + masterPort);
    }
  }

  /** One process: rank 0 of 1. */
  public static WorldEnv single() {
    return new WorldEnv(0, 0, 1, 1, "127.0.0.1", 29500);
  }

  /**
   * The job this process belongs to, when {@code WORLD_SIZE} is set; {@code RANK} is then required,
   * {@code LOCAL_RANK} defaults to RANK, {@code LOCAL_WORLD_SIZE} to WORLD_SIZE, {@code
   * MASTER_ADDR} to 127.0.0.1 and {@code MASTER_PORT} to 29500 (torchrun's defaults).
   */
  public static Optional<WorldEnv> fromEnv(Map<String, String> env) {
    String world = env.get("WORLD_SIZE");
    if (world == null || world.isBlank()) {
      return Optional.empty();
    }
    int size = number(env, "WORLD_SIZE", null);
    if (env.get("RANK") == null) {
      throw new IllegalArgumentException(
          "WORLD_SIZE="
              + world
              + " is set but RANK is not; a worker needs both (torchrun sets"
              + " them), or unset WORLD_SIZE for a single-process run");
    }
    int rank = number(env, "RANK", null);
    int localRank = number(env, "LOCAL_RANK", rank);
    int localWorld = number(env, "LOCAL_WORLD_SIZE", size);
    String addr = env.getOrDefault("MASTER_ADDR", "127.0.0.1");
    int port = number(env, "MASTER_PORT", 29500);
    return Optional.of(new WorldEnv(rank, localRank, size, localWorld, addr, port));
  }

  /** The variables a worker gets, as torchrun sets them. */
  public Map<String, String> toEnv() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("RANK", Integer.toString(rank));
    m.put("LOCAL_RANK", Integer.toString(localRank));
    m.put("WORLD_SIZE", Integer.toString(worldSize));
    m.put("LOCAL_WORLD_SIZE", Integer.toString(localWorldSize));
    m.put("MASTER_ADDR", masterAddr);
    m.put("MASTER_PORT", Integer.toString(masterPort));
    return m;
  }

  /** Whether this process writes logs, metrics, charts and checkpoints. */
  public boolean isMain() {
    return rank == 0;
  }

  private static int number(Map<String, String> env, String key, Integer dflt) {
    String v = env.get(key);
    if (v == null || v.isBlank()) {
      return dflt;
    }
    try {
      return Integer.parseInt(v.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + " must be an integer, got '" + v + "'");
    }
  }
}
