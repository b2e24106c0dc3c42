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
    return new ReplicatedGradients(group, device, bucketCapBytes);
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
