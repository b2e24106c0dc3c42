/*
 * Which PyTorch natives DJL runs on: stock DJL (the JNI and libtorch DJL ships, CPU 2.7.1 here)
 * or fairl-native (our JNI built against the host's PyTorch by `fairl native build`). Reported
 * once at start-up by whoever starts an engine (CLIs, trainers, the kernel) through describe().
 *
 * Detection: after DJL's engine has loaded its JNI, fairl-native answers FusedNatives.buildInfo();
 * stock DJL's library does not have that symbol (UnsatisfiedLinkError).
 */
package ai.fairl.engine;

import ai.djl.engine.Engine;
import ai.djl.util.cuda.CudaUtils;

/**
 * The engine in use.
 *
 * @param kind stock DJL natives or fairl-native
 * @param pytorchVersion the PyTorch version the natives run on
 * @param cudaVersion the CUDA version PyTorch was built with, or "" for a CPU build
 * @param gpuCount GPUs visible to DJL
 * @param libraryPath the folder DJL loaded libtorch from
 * @param cudaStats whether CUDA allocator statistics are available (fairl-native CUDA builds)
 */
public record EngineInfo(
    Kind kind,
    String pytorchVersion,
    String cudaVersion,
    int gpuCount,
    String libraryPath,
    boolean cudaStats) {

  /** Which natives. */
  public enum Kind {
    STOCK_DJL,
    FAIRL_NATIVE
  }

  public EngineInfo {
    if (kind == null || pytorchVersion == null || cudaVersion == null || libraryPath == null) {
      throw new IllegalArgumentException("EngineInfo fields must not be null");
    }
    if (gpuCount < 0) {
      throw new IllegalArgumentException("EngineInfo.gpuCount must be >= 0, got " + gpuCount);
    }
  }

  private static volatile EngineInfo current;

  /** Loads DJL's PyTorch engine (if not yet loaded) and tells which natives it runs on. */
  public static EngineInfo current() {
    EngineInfo info = current;
    if (info == null) {
      synchronized (EngineInfo.class) {
        if (current == null) {
          current = detect();
        }
        info = current;
      }
    }
    return info;
  }

  private static EngineInfo detect() {
    Engine engine = Engine.getEngine("PyTorch");
    String libPath = ai.djl.pytorch.jni.LibUtils.getLibtorchPath();
    try {
      String[] b = FusedNatives.buildInfo();
      // PyTorch's own count: DJL's CudaUtils may not find the CUDA runtime of a pip PyTorch
      int gpus = Integer.parseInt(b[5]);
      return new EngineInfo(
          Kind.FAIRL_NATIVE, b[1], b[2], gpus, libPath, Boolean.parseBoolean(b[4]));
    } catch (UnsatisfiedLinkError e) {
      int gpus = engine.getGpuCount();
      String cuda = gpus > 0 ? String.valueOf(CudaUtils.getCudaVersionString()) : "";
      return new EngineInfo(Kind.STOCK_DJL, engine.getVersion(), cuda, gpus, libPath, false);
    }
  }

  /** True when running on fairl-native. */
  public boolean isFairlNative() {
    return kind == Kind.FAIRL_NATIVE;
  }

  /**
   * One line for start-up logs, e.g. "engine: fairl-native on PyTorch 2.11.0 + CUDA 13.0, 1 GPU".
   */
  public String describe() {
    String natives = isFairlNative() ? "fairl-native" : "stock DJL natives";
    String cuda = cudaVersion.isEmpty() ? "CPU build" : "CUDA " + cudaVersion;
    return "engine: "
        + natives
        + " on PyTorch "
        + pytorchVersion
        + " ("
        + cuda
        + ", "
        + gpuCount
        + (gpuCount == 1 ? " GPU" : " GPUs")
        + ") from "
        + libraryPath;
  }
}
