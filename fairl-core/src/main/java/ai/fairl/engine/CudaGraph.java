/*
 * CUDA graphs through fairl-native (fairl-native/src/graphs.cc): at::cuda::CUDAGraph capture on a
 * side stream, with the caching allocator's private graph pool, then replay.
 *
 * Use: create; sideStream(true); run the work once eagerly (warm-up: cuBLAS handles, workspaces);
 * captureBegin(); run the same work again (recorded, not executed); captureEnd(); sideStream(false);
 * replay() as often as needed. The captured work must not synchronise with the host or read host
 * memory (no NDArray created from Java arrays or numbers, no toArray): inputs live in device
 * tensors that stay allocated and are updated in place, outputs are tensors made during capture
 * that the caller keeps. Arrays made during capture and closed afterwards return their memory to
 * the graph's private pool, which lives as long as the graph.
 *
 * Simplified: one graph per handle, no pool sharing between graphs, capture mode global (as
 * torch.cuda.graph).
 */
package ai.fairl.engine;

/** One capturable, replayable CUDA graph (fairl-native with CUDA only). */
public final class CudaGraph implements AutoCloseable {
  private long handle;
  private boolean sideOn;

  private CudaGraph(long handle) {
    this.handle = handle;
  }

  /**
   * True when the engine is fairl-native built with CUDA, a GPU is present and the system property
   * {@code fairl.cudaGraphs} is not {@code false}.
   */
  public static boolean available() {
    if ("false".equalsIgnoreCase(System.getProperty("fairl.cudaGraphs", "true"))) {
      return false;
    }
    EngineInfo e = EngineInfo.current();
    if (!e.isFairlNative() || e.gpuCount() < 1) {
      return false;
    }
    try {
      return GraphNatives.built();
    } catch (UnsatisfiedLinkError err) {
      return false; // a fairl-native library from before graphs.cc
    }
  }

  /**
   * A new graph on GPU {@code device}.
   *
   * @throws IllegalStateException where {@link #available()} is false, saying why
   */
  public static CudaGraph create(int device) {
    EngineInfo e = EngineInfo.current();
    if (!e.isFairlNative()) {
      throw new IllegalStateException(
          "CUDA graphs need the fairl-native engine (bin/fairl native build); this JVM runs "
              + "stock DJL natives");
    }
    try {
      return new CudaGraph(GraphNatives.create(device));
    } catch (UnsatisfiedLinkError err) {
      throw new IllegalStateException(
          "this fairl-native library has no CUDA graph natives; rebuild it (bin/fairl native build)",
          err);
    }
  }

  private long h() {
    if (handle == 0) {
      throw new IllegalStateException("CUDA graph already closed");
    }
    return handle;
  }

  /** Makes the graph's side stream current on this thread (on), or restores the previous one. */
  public void sideStream(boolean on) {
    if (on == sideOn) {
      return;
    }
    GraphNatives.sideStream(h(), on);
    sideOn = on;
  }

  /** Starts capturing (the side stream must be current). */
  public void captureBegin() {
    if (!sideOn) {
      throw new IllegalStateException("call sideStream(true) before captureBegin()");
    }
    GraphNatives.captureBegin(h());
  }

  /** Ends capturing and instantiates the graph. */
  public void captureEnd() {
    GraphNatives.captureEnd(h());
  }

  /** Replays the captured work on the current stream (asynchronously). */
  public void replay() {
    GraphNatives.replay(h());
  }

  @Override
  public void close() {
    if (handle != 0) {
      if (sideOn) {
        try {
          GraphNatives.sideStream(handle, false);
        } catch (RuntimeException ignored) {
          // closing after a failed capture: the stream state is being torn down anyway
        }
        sideOn = false;
      }
      GraphNatives.destroy(handle);
      handle = 0;
    }
  }
}
