package ai.fairl.train;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.fairl.engine.ProcessGroup;
import java.util.Map;

/**
 * What the {@link TrainLoop} needs from the other replicas of a data-parallel job: sums of a few
 * numbers (loss items, loss, tokens, metrics), the gradients summed over ranks after backward, and
 * rank 0's parameters at the start. {@link #single()} is one process and changes nothing, so
 * single-process runs are exactly as before.
 *
 * <p>Each rank back-propagates its own micro-batches' summed loss divided by the step's
 * <em>global</em> loss items, so the summed gradients equal those of one process running the whole
 * global batch (an average when every rank has the same number of items).
 */
public interface DataParallel extends AutoCloseable {

  /** This process's rank in [0, worldSize). */
  int rank();

  int worldSize();

  /** Whether this process writes logs, metrics, charts and checkpoints (rank 0). */
  default boolean isMain() {
    return rank() == 0;
  }

  /** The element-wise sum of {@code values} over all ranks (every rank gets the same result). */
  double[] sum(double[] values);

  /** Overwrites every parameter with rank 0's value. */
  void broadcastParameters(Map<String, NDArray> params);

  /** Sums every parameter's gradient over the ranks, in place. */
  void sumGradients(Map<String, NDArray> params);

  /** Returns once every rank has reached it. */
  void barrier();

  /**
   * Called before the step's last backward pass (the last micro-batch's): an overlapping
   * implementation starts reducing gradients while that backward runs.
   */
  default void beforeFinalBackward(Map<String, NDArray> params) {}

  /** The step is skipped (a non-finite loss somewhere): completes pending communication. */
  default void abandonGradients(Map<String, NDArray> params) {}

  /**
   * What the optimizer updates: the parameters themselves, or this rank's shards of them (fully
   * sharded), made from the parameters' current values. Called once, before {@link
   * #broadcastParameters}.
   */
  default Map<String, NDArray> optimizerParameters(Map<String, NDArray> params) {
    return params;
  }

  /**
   * Whether every rank must run every forward and backward of a step even after a non-finite loss
   * (collectives inside them), instead of stopping at the bad micro-batch.
   */
  default boolean lockstep() {
    return false;
  }

  /** Called at the start of every optimizer step, before the first forward. */
  default void beforeStep() {}

  /** Called after the optimizer step and zeroing the gradients (also after a skipped step). */
  default void afterOptimizerStep() {}

  /**
   * The squared gradient norm of the whole model, given this rank's part: the value itself when
   * every rank holds all (summed) gradients, the sum over ranks when they are sharded.
   */
  default double globalSquaredNorm(double localSquared) {
    return localSquared;
  }

  /**
   * Makes every parameter hold its full value on every rank (evaluation, saving); a no-op unless
   * sharded. Every rank must call it.
   */
  default void gatherParameters() {}

  /** Undoes {@link #gatherParameters} (every rank). */
  default void releaseParameters() {}

  @Override
  void close();

  /** One process: sums are the values themselves, nothing is communicated. */
  static DataParallel single() {
    return Single.INSTANCE;
  }

  /**
   * Data parallelism over a joined process group, gradients reduced in buckets of at most {@code
   * bucketCapBytes}. Closing it closes the group.
   *
   * @param device the device the parameters live on (CPU for Gloo, the rank's GPU for NCCL)
   */
  static DataParallel over(ProcessGroup group, Device device, long bucketCapBytes) {
    return over(group, device, bucketCapBytes, true);
  }

  /**
   * As {@link #over(ProcessGroup, Device, long)}; {@code overlap} false reduces all buckets after
   * the backward pass instead of during it (the reference for tests and benchmarks).
   */
  static DataParallel over(
      ProcessGroup group, Device device, long bucketCapBytes, boolean overlap) {
    return new ReplicatedGradients(group, device, bucketCapBytes, overlap);
  }

  /**
   * Fully sharded data parallelism (ZeRO stage 3 semantics, {@link FullySharded}): trainable
   * parameters, their gradients and the optimizer state are split across the ranks; models must be
   * {@link FullySharded#install installed}. Closing it closes the group.
   */
  static FullySharded fullySharded(ProcessGroup group, Device device) {
    return new FullySharded(group, device);
  }

  /**
   * A partitioned optimizer (ZeRO stage 2 semantics, {@link FullySharded} with replicated
   * parameters): gradients reduce-scattered, each rank's AdamW updates its shards, parameters
   * all-gathered after the step. Closing it closes the group.
   */
  static FullySharded partitionedOptimizer(ProcessGroup group, Device device) {
    return new FullySharded(group, device, true);
  }

  /** The single-process case. */
  final class Single implements DataParallel {
    private static final Single INSTANCE = new Single();

    private Single() {}

    @Override
    public int rank() {
      return 0;
    }

    @Override
    public int worldSize() {
      return 1;
    }

    @Override
    public double[] sum(double[] values) {
      return values.clone();
    }

    @Override
    public void broadcastParameters(Map<String, NDArray> params) {}

    @Override
    public void sumGradients(Map<String, NDArray> params) {}

    @Override
    public void barrier() {}

    @Override
    public void close() {}
  }
}
