/*
 * The JNI entry points of fairl-native's own kernels (fairl-native/src/fused.cc). They live in
 * the same shared library as DJL's PyTorchLibrary natives, which DJL's loader System.load()s; with
 * stock DJL natives they are absent and every call throws UnsatisfiedLinkError, which
 * FusedOps.get() turns into the composite fallback. Handles are PtNDArray handles (at::Tensor*).
 */
package ai.fairl.engine;

final class FusedNatives {

  private FusedNatives() {}

  /**
   * {fairl version, torch version, CUDA version or "", CUDA available, CUDA stats built, GPU
   * count}.
   */
  static native String[] buildInfo();

  /** Names of the natives called so far in this JVM (for the coverage report). */
  static native String[] usedNatives();

  static native long sdpa(long q, long k, long v, long mask, boolean causal, double scale);

  static native long rmsNorm(long x, long weight, double eps);

  static native long rotary(long x, long cos, long sin);

  static native long chosenLogProbs(long hidden, long weight, long targets, long chunkRows);

  static native void adamw(
      long[] params,
      long[] grads,
      long[] expAvg,
      long[] expAvgSq,
      double lr,
      double beta1,
      double beta2,
      double eps,
      double weightDecay,
      long step);

  /** As adamw, from the gradients the parameters hold; parameters without one are skipped. */
  static native void adamwFromGradients(
      long[] params,
      long[] expAvg,
      long[] expAvgSq,
      double lr,
      double beta1,
      double beta2,
      double eps,
      double weightDecay,
      long step);

  /** The sum of squares of every gradient the parameters hold (fp64, one read-back). */
  static native double gradSquaredNorm(long[] params);

  static native void scaleGradients(long[] params, double coef);

  static native void zeroGradients(long[] params);

  /** {allocated, peak allocated, reserved, peak reserved} bytes. */
  static native long[] cudaMemory(int device);

  static native void cudaResetPeak(int device);

  static native void cudaSynchronize();
}
