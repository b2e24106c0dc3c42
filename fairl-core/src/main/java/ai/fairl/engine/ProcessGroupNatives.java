/*
 * The JNI entry points of fairl-native's process groups (fairl-native/src/distributed.cc), in the
 * same shared library as DJL's PyTorchLibrary natives. With stock DJL natives, or a fairl-native
 * built without c10d, every call throws UnsatisfiedLinkError; ProcessGroup turns that into an
 * error that says how to get them. Tensor handles are PtNDArray handles (at::Tensor*).
 */
package ai.fairl.engine;

final class ProcessGroupNatives {

  private ProcessGroupNatives() {}

  /** The backends this build has: "gloo" and/or "nccl". */
  static native String[] backends();

  static native long init(
      String backend,
      String masterAddr,
      int masterPort,
      int rank,
      int worldSize,
      int device,
      long timeoutMillis);

  static native void destroy(long group);

  /** op: 0 sum, 1 avg, 2 max. */
  static native void allReduce(long group, long tensor, int op);

  static native void allReduceCoalesced(long group, long[] tensors, int op);

  static native void broadcast(long group, long tensor, int root);

  static native long allGather(long group, long tensor);

  static native long reduceScatter(long group, long tensor, int op);

  static native void barrier(long group);

  /** Hooks every parameter's gradient accumulator; bucketSizes splits params into buckets. */
  static native long reducerCreate(long group, long[] params, int[] bucketSizes);

  static native void reducerArm(long reducer);

  /** Returns how many buckets were launched while a backward ran, since creation. */
  static native long reducerFinish(long reducer, boolean copyBack);

  static native void reducerDestroy(long reducer);

  static native void setData(long param, long data);

  static native void releaseData(long param);

  /** grad 0 makes the gradient undefined. */
  static native void setGrad(long tensor, long grad);

  static native boolean gradDefined(long tensor);
}
