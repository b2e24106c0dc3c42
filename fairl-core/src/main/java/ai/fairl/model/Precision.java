package ai.fairl.model;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import java.util.Locale;

/**
 * Chooses the compute dtype. Stock DJL on CPU aborts the JVM on a BFLOAT16 tensor, so bf16 on CPU
 * runs in fp32 with a one-line notice; this class is the guard every tensor-creating path goes
 * through.
 */
public final class Precision {
  private static volatile boolean bf16OnCpu = Boolean.getBoolean("fairl.cpu.bf16");

  private Precision() {}

  /**
   * Parses {@code float32/fp32, float16/fp16/half, bfloat16/bf16} (also with a {@code torch.}
   * prefix).
   */
  public static DataType parse(String name) {
    String n = name.toLowerCase(Locale.ROOT).replace("torch.", "");
    return switch (n) {
      case "float32", "fp32", "float", "auto" -> DataType.FLOAT32;
      case "float16", "fp16", "half" -> DataType.FLOAT16;
      case "bfloat16", "bf16" -> DataType.BFLOAT16;
      default ->
          throw new IllegalArgumentException(
              "unknown dtype '" + name + "'; use float32, float16 or bfloat16");
    };
  }

  /** Declares that the CPU engine supports bf16 (e.g. the fairl-native build); off by default. */
  public static void allowBf16OnCpu(boolean allow) {
    bf16OnCpu = allow;
  }

  /**
   * The dtype to compute in on {@code device}: the request, except bf16 on a CPU without bf16
   * support, which becomes fp32 with a one-line notice on stderr.
   */
  public static DataType resolve(DataType requested, Device device) {
    if (requested == DataType.BFLOAT16 && !device.isGpu() && !bf16OnCpu) {
      System.err.println(
          "notice: bf16 is not available on this CPU engine (stock DJL); computing in fp32");
      return DataType.FLOAT32;
    }
    if (requested != DataType.FLOAT32
        && requested != DataType.FLOAT16
        && requested != DataType.BFLOAT16) {
      throw new IllegalArgumentException(
          "model dtype must be float32, float16 or bfloat16, got " + requested);
    }
    return requested;
  }
}
