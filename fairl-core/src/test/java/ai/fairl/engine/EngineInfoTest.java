/* EngineInfo and PrecisionGuard: what the report says, and the bf16 guard on either engine. */
package ai.fairl.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.types.DataType;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("engine")
class EngineInfoTest {

  private static EngineInfo stock(int gpus) {
    return new EngineInfo(EngineInfo.Kind.STOCK_DJL, "2.7.1", "", gpus, "/cache/pytorch", false);
  }

  private static EngineInfo fairl() {
    return new EngineInfo(
        EngineInfo.Kind.FAIRL_NATIVE, "2.11.0", "13.0", 1, "/venv/torch/lib", true);
  }

  @Test
  void currentEngineIsReportedAndMatchesExpectation() {
    OpSuite.checkEngine();
    EngineInfo info = EngineInfo.current();
    String line = info.describe();
    assertTrue(line.startsWith("engine: "), line);
    assertTrue(line.contains(info.pytorchVersion()), line);
    assertTrue(line.contains(info.isFairlNative() ? "fairl-native" : "stock DJL natives"), line);
  }

  @Test
  void fairlNativesAreAbsentFromStockDjlAndSayWhich() {
    if (EngineInfo.current().isFairlNative()) {
      assertEquals(6, FusedNatives.buildInfo().length);
    } else {
      UnsatisfiedLinkError e = assertThrows(UnsatisfiedLinkError.class, FusedNatives::buildInfo);
      assertTrue(e.getMessage().contains("buildInfo"), e.getMessage());
      assertFalse(FusedOps.get().isNative());
    }
  }

  @Test
  void describeNamesNativesVersionsAndCuda() {
    assertEquals(
        "engine: fairl-native on PyTorch 2.11.0 (CUDA 13.0, 1 GPU) from /venv/torch/lib",
        fairl().describe());
    assertEquals(
        "engine: stock DJL natives on PyTorch 2.7.1 (CPU build, 0 GPUs) from /cache/pytorch",
        stock(0).describe());
    assertThrows(
        IllegalArgumentException.class,
        () -> new EngineInfo(EngineInfo.Kind.STOCK_DJL, "2.7.1", "", -1, "/x", false));
  }

  @Test
  void bf16OnCpuRunsInFp32WithNoticeOnStockDjl() {
    PrecisionGuard.Resolved r = PrecisionGuard.resolve(DataType.BFLOAT16, Device.cpu(), stock(0));
    assertEquals(DataType.FLOAT32, r.type());
    assertTrue(r.notice().startsWith("bf16 requested, running in fp32 on CPU"), r.notice());
    assertFalse(r.notice().contains("\n"));
    assertEquals(
        DataType.BFLOAT16,
        PrecisionGuard.resolve(DataType.BFLOAT16, Device.gpu(), stock(1)).type());
    assertEquals(
        DataType.BFLOAT16, PrecisionGuard.resolve(DataType.BFLOAT16, Device.cpu(), fairl()).type());
    assertEquals(
        DataType.FLOAT32, PrecisionGuard.resolve(DataType.FLOAT16, Device.cpu(), fairl()).type());
    assertEquals(
        DataType.FLOAT32, PrecisionGuard.resolve(DataType.FLOAT32, Device.cpu(), stock(0)).type());
  }

  @Test
  void creatingBf16OnCpuIsRefusedOnStockDjlOnly() {
    if (EngineInfo.current().isFairlNative()) {
      PrecisionGuard.checkCreate(DataType.BFLOAT16, Device.cpu());
    } else {
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () -> PrecisionGuard.checkCreate(DataType.BFLOAT16, Device.cpu()));
      assertTrue(e.getMessage().contains("fairl native build"), e.getMessage());
    }
  }

  @org.junit.jupiter.api.AfterAll
  static void writeExercisedNatives() throws Exception {
    OpSuite.writeExercised();
  }
}
