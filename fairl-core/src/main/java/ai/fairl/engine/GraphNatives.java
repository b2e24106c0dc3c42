/*
 * The JNI entry points of fairl-native's CUDA graph API (fairl-native/src/graphs.cc). Like
 * FusedNatives they live in fairl-native's library; under stock DJL natives every call throws
 * UnsatisfiedLinkError, which CudaGraph.available() turns into "not available". Handles point to a
 * native struct holding an at::cuda::CUDAGraph and its side stream.
 */
package ai.fairl.engine;

final class GraphNatives {

  private GraphNatives() {}

  /** True when fairl-native was built with CUDA (graphs can be captured). */
  static native boolean built();

  /** A graph and a side stream from PyTorch's pool on {@code device}. */
  static native long create(int device);

  /**
   * On: the side stream waits for the current stream's work and becomes the current stream of this
   * thread. Off: the saved stream waits for the side stream's work and becomes current again.
   */
  static native void sideStream(long handle, boolean on);

  /** Synchronises the device, then starts capturing the current (side) stream. */
  static native void captureBegin(long handle);

  /** Ends capture and instantiates the graph. */
  static native void captureEnd(long handle);

  /** Launches the graph on the current stream. */
  static native void replay(long handle);

  static native void destroy(long handle);
}
