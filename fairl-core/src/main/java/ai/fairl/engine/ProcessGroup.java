/*
 * A c10d process group over DJL tensors: PyTorch's TCPStore rendezvous and its NCCL (CUDA) or
 * Gloo (CPU) collectives, through fairl-native (src/distributed.cc). No transport of our own.
 *
 * Simplified: one tensor per call (buckets are flattened into one buffer by allReduceCoalesced);
 * every call except the {@link GradientReducer}'s waits for its work; AVG is a SUM divided by the
 * world size; on Gloo reduceScatter is an all-reduce plus a slice. The reducer overlaps gradient
 * all-reduces with the backward pass (hooks on the parameters' gradient accumulators, in C++).
 */
package ai.fairl.engine;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * One process's membership of a process group: {@code rank} of {@code size}. Collectives are
 * blocking and must be called by every rank in the same order with tensors of the same shape and
 * type. Close it to leave the group.
 */
public final class ProcessGroup implements AutoCloseable {

  /** The collective library. */
  public enum Backend {
    /** CPU tensors (PyTorch's Gloo). */
    GLOO,
    /** CUDA tensors (NCCL). */
    NCCL
  }

  /** How a reduction combines the ranks' values. */
  public enum ReduceOp {
    SUM,
    /** The sum divided by the world size. */
    AVG,
    MAX
  }

  private final Backend backend;
  private final int rank;
  private final int size;
  private long handle;

  private ProcessGroup(Backend backend, int rank, int size, long handle) {
    this.backend = backend;
    this.rank = rank;
    this.size = size;
    this.handle = handle;
  }

  /**
   * The backends the loaded natives were built with; empty with stock DJL or a fairl-native built
   * without process groups.
   */
  public static List<Backend> available() {
    EngineInfo.current();
    try {
      return java.util.Arrays.stream(ProcessGroupNatives.backends())
          .map(s -> Backend.valueOf(s.toUpperCase(Locale.ROOT)))
          .toList();
    } catch (UnsatisfiedLinkError e) {
      return List.of();
    }
  }

  /**
   * Joins a group: rank 0 serves a TCPStore at {@code masterAddr:masterPort}, every rank connects
   * to it (torchrun's {@code env://} rendezvous), then the backend forms its communicators.
   *
   * @param device the CUDA device index for NCCL (LOCAL_RANK); ignored by Gloo
   * @param timeout how long rendezvous and each collective may wait for the other ranks
   */
  public static ProcessGroup join(
      Backend backend,
      String masterAddr,
      int masterPort,
      int rank,
      int size,
      int device,
      Duration timeout) {
    if (size < 1 || rank < 0 || rank >= size) {
      throw new IllegalArgumentException(
          "rank must be in [0, world size), got rank " + rank + " of " + size);
    }
    if (masterPort < 1 || masterPort > 65535) {
      throw new IllegalArgumentException("MASTER_PORT must be in 1..65535, got " + masterPort);
    }
    if (!available().contains(backend)) {
      EngineInfo info = EngineInfo.current();
      throw new IllegalStateException(
          "data-parallel training needs the "
              + backend.name().toLowerCase(Locale.ROOT)
              + " process group of fairl-native, but DJL runs on "
              + info.describe()
              + (info.kind() == EngineInfo.Kind.FAIRL_NATIVE
                  ? " built without it ("
                      + (backend == Backend.GLOO
                          ? "gloo's headers were missing: apt-get install libgloo-dev"
                          : "nccl.h was missing: install nvidia-nccl beside torch")
                      + ", then bin/fairl native build)"
                  : "; build it with bin/fairl native build and point DJL at it"));
    }
    long h =
        ProcessGroupNatives.init(
            backend.name().toLowerCase(Locale.ROOT),
            masterAddr,
            masterPort,
            rank,
            size,
            device,
            timeout.toMillis());
    return new ProcessGroup(backend, rank, size, h);
  }

  public Backend backend() {
    return backend;
  }

  public int rank() {
    return rank;
  }

  public int size() {
    return size;
  }

  /** Reduces {@code t} over the ranks in place. */
  public void allReduce(NDArray t, ReduceOp op) {
    ProcessGroupNatives.allReduce(open(), h(t), op.ordinal());
  }

  /**
   * Sums host numbers over the ranks (one float64 collective on {@code device}): every rank gets
   * the totals.
   */
  public double[] sum(double[] values, Device device) {
    if (values.length == 0) {
      return values.clone();
    }
    try (NDManager m = NDManager.newBaseManager(device)) {
      NDArray t = m.create(values).toDevice(device, false); // (values,) float64
      allReduce(t, ReduceOp.SUM);
      return t.toDoubleArray();
    }
  }

  /**
   * Reduces several tensors (one bucket) with a single collective: they are flattened into one
   * buffer, reduced and copied back in place. They must share data type and device.
   */
  public void allReduceCoalesced(List<NDArray> tensors, ReduceOp op) {
    long[] hs = tensors.stream().mapToLong(ProcessGroup::h).toArray();
    ProcessGroupNatives.allReduceCoalesced(open(), hs, op.ordinal());
  }

  /** Every rank ends with rank {@code root}'s values of {@code t} (in place). */
  public void broadcast(NDArray t, int root) {
    if (root < 0 || root >= size) {
      throw new IllegalArgumentException(
          "broadcast root must be in [0, " + size + "), got " + root);
    }
    ProcessGroupNatives.broadcast(open(), h(t), root);
  }

  /**
   * A new tensor, in {@code t}'s manager: every rank's {@code t} concatenated along dimension 0 in
   * rank order, (size * d0, ...); a scalar gives (size,).
   */
  public NDArray allGather(NDArray t) {
    return wrap(t, ProcessGroupNatives.allGather(open(), h(t)));
  }

  /**
   * A new tensor, in {@code t}'s manager: {@code t} (size * n, ...) reduced over the ranks, of
   * which this rank keeps rows [rank * n, (rank + 1) * n).
   */
  public NDArray reduceScatter(NDArray t, ReduceOp op) {
    return wrap(t, ProcessGroupNatives.reduceScatter(open(), h(t), op.ordinal()));
  }

  /** Returns once every rank has called it. */
  public void barrier() {
    ProcessGroupNatives.barrier(open());
  }

  /**
   * Hooks the parameters' gradient accumulators so that, once {@link GradientReducer#arm armed},
   * each bucket is all-reduced (summed) asynchronously as soon as the backward has produced all of
   * its gradients. Every rank must create it with the same parameters and buckets.
   *
   * @param buckets parameters per bucket, in launch order (the order backward finishes them)
   */
  public GradientReducer gradientReducer(List<List<NDArray>> buckets) {
    List<Long> hs = new java.util.ArrayList<>();
    int[] sizes = new int[buckets.size()];
    for (int b = 0; b < buckets.size(); b++) {
      if (buckets.get(b).isEmpty()) {
        throw new IllegalArgumentException("gradient bucket " + b + " is empty");
      }
      sizes[b] = buckets.get(b).size();
      buckets.get(b).forEach(t -> hs.add(h(t)));
    }
    long r =
        ProcessGroupNatives.reducerCreate(
            open(), hs.stream().mapToLong(Long::longValue).toArray(), sizes);
    return new GradientReducer(r);
  }

  /** Overlapped gradient sums of one set of parameters (see {@link #gradientReducer}). */
  public final class GradientReducer implements AutoCloseable {
    private long handle;
    private boolean armed;

    private GradientReducer(long handle) {
      this.handle = handle;
    }

    /** The next backward pass is the step's last: buckets are reduced as they fill. */
    public void arm() {
      ProcessGroupNatives.reducerArm(live());
      armed = true;
    }

    /** Whether {@link #arm} was called since the last {@link #finish}. */
    public boolean armed() {
      return armed;
    }

    /**
     * Launches the buckets that never filled (a parameter without a gradient counts as zeros),
     * waits for all and, when {@code copyBack}, writes the sums into the gradients (a parameter
     * without one gets one). Returns how many bucket reductions have started while a backward pass
     * was still running, since creation.
     */
    public long finish(boolean copyBack) {
      armed = false;
      return ProcessGroupNatives.reducerFinish(live(), copyBack);
    }

    @Override
    public void close() {
      if (handle != 0) {
        ProcessGroupNatives.reducerDestroy(handle);
        handle = 0;
      }
    }

    private long live() {
      open();
      if (handle == 0) {
        throw new IllegalStateException("the gradient reducer is closed");
      }
      return handle;
    }
  }

  /**
   * Makes {@code param} hold {@code data}'s values and shape (same dtype and device) without
   * changing its identity for autograd (torch's {@code param.data = data}).
   */
  public static void setData(NDArray param, NDArray data) {
    if (param.getDataType() != data.getDataType()) {
      throw new IllegalArgumentException(
          "setData needs the same dtype, got "
              + param.getDataType()
              + " and "
              + data.getDataType());
    }
    ProcessGroupNatives.setData(h(param), h(data));
  }

  /** Frees {@code param}'s storage: it becomes an empty (0,) tensor until {@link #setData}. */
  public static void releaseData(NDArray param) {
    ProcessGroupNatives.releaseData(h(param));
  }

  /** Sets {@code t}'s gradient to {@code grad} (shared, not copied), or clears it for null. */
  public static void setGradient(NDArray t, NDArray grad) {
    ProcessGroupNatives.setGrad(h(t), grad == null ? 0 : h(grad));
  }

  /** Whether {@code t} has a gradient tensor now (DJL's hasGradient says requires-grad). */
  public static boolean gradientDefined(NDArray t) {
    return ProcessGroupNatives.gradDefined(h(t));
  }

  @Override
  public void close() {
    if (handle != 0) {
      ProcessGroupNatives.destroy(handle);
      handle = 0;
    }
  }

  private long open() {
    if (handle == 0) {
      throw new IllegalStateException("the process group is closed");
    }
    return handle;
  }

  private static long h(NDArray a) {
    if (!(a instanceof PtNDArray pt)) {
      throw new IllegalArgumentException(
          "process groups need PyTorch NDArrays, got " + a.getClass().getName());
    }
    return pt.getHandle();
  }

  private static NDArray wrap(NDArray like, long handle) {
    return new PtNDArray((PtNDManager) like.getManager(), handle);
  }
}
