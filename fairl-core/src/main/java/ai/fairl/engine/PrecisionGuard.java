/*
 * The bf16 guard of the tensor layer (CONVENTIONS "Precision and engines"): stock DJL's CPU
 * natives abort the JVM on a BFLOAT16 tensor, so on that engine a bf16 or fp16 request runs in
 * fp32 with a one-line notice. fairl-native (any PyTorch) and every GPU keep bf16.
 *
 * Simplified: fp16 on CPU is demoted to fp32 on both engines (PyTorch's CPU half matmul is slow or
 * missing in older versions); bf16 on fairl-native CPU is kept.
 */
package ai.fairl.engine;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;

/** Decides the data type a model or tensor actually uses on a device and engine. */
public final class PrecisionGuard {

  private PrecisionGuard() {}

  /**
   * The data type to use.
   *
   * @param type the type actually used
   * @param notice a one-line notice when it differs from the request, else ""
   */
  public record Resolved(DataType type, String notice) {
    public Resolved {
      if (type == null || notice == null) {
        throw new IllegalArgumentException("Resolved fields must not be null");
      }
    }
  }

  /** Resolves a requested type for a device on the current engine. */
  public static Resolved resolve(DataType requested, Device device) {
    return resolve(requested, device, EngineInfo.current());
  }

  /** Resolves a requested type for a device on a given engine (testable without one). */
  public static Resolved resolve(DataType requested, Device device, EngineInfo engine) {
    boolean cpu = !device.isGpu();
    if (cpu && requested == DataType.BFLOAT16 && !engine.isFairlNative()) {
      return new Resolved(
          DataType.FLOAT32,
          "bf16 requested, running in fp32 on CPU: stock DJL natives cannot run bf16 on CPU"
              + " (build fairl-native with `fairl native build` for bf16 on CPU)");
    }
    if (cpu && requested == DataType.FLOAT16) {
      return new Resolved(
          DataType.FLOAT32, "fp16 requested, running in fp32 on CPU: PyTorch's CPU fp16 is slow");
    }
    return new Resolved(requested, "");
  }

  /**
   * Throws before a tensor of this type is created where it would abort the JVM.
   *
   * @throws IllegalStateException for BFLOAT16 on CPU with stock DJL natives
   */
  public static void checkCreate(DataType type, Device device) {
    if (type == DataType.BFLOAT16 && !device.isGpu() && !EngineInfo.current().isFairlNative()) {
      throw new IllegalStateException(
          "refusing to create a bfloat16 tensor on CPU: stock DJL natives abort the JVM on bf16."
              + " Resolve the type with PrecisionGuard.resolve(...) (fp32 on this engine), or build"
              + " fairl-native (`fairl native build`) for bf16 on CPU");
    }
  }
}
