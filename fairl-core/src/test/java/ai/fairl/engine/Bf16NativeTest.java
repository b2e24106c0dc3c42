/*
 * bf16 on CPU: only fairl-native can run it (stock DJL's CPU natives abort the JVM on a bf16
 * tensor), so these tests carry the "native" tag, excluded from the normal build and run by
 * fairl-native/test-cpu.sh and the GPU run. Each asserts it is on fairl-native first.
 */
package ai.fairl.engine;

import static ai.fairl.engine.OpSuite.close;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("native")
class Bf16NativeTest {

  private NDManager m;

  @BeforeEach
  void open() {
    assertTrue(
        EngineInfo.current().isFairlNative(),
        "bf16 tests need fairl-native, but DJL runs on " + EngineInfo.current().describe());
    m = OpSuite.manager();
  }

  @AfterEach
  void closeManager() {
    m.close();
  }

  private NDArray bf16(float[] data, long... shape) {
    return m.create(data, new Shape(shape)).toType(DataType.BFLOAT16, false);
  }

  @Test
  void bf16RoundTripsAndKeepsItsType() {
    NDArray a = bf16(new float[] {1, 0.5f, -2, 3.140625f}, 4);
    assertEquals(DataType.BFLOAT16, a.getDataType());
    close(new float[] {1, 0.5f, -2, 3.140625f}, a.toType(DataType.FLOAT32, false), 0);
    assertEquals(8, a.toByteBuffer().remaining()); // 2 bytes each
    // 1 + 2^-9 is not representable in bf16 (8 significant bits): rounds to 1
    close(new float[] {1}, bf16(new float[] {1 + 1f / 512}, 1).toType(DataType.FLOAT32, false), 0);
  }

  @Test
  void bf16MatmulAndReductions() {
    NDArray a = bf16(new float[] {1, 2, 3, 4}, 2, 2);
    NDArray c = a.matMul(a);
    assertEquals(DataType.BFLOAT16, c.getDataType());
    close(new float[] {7, 10, 15, 22}, c, 0);
    close(new float[] {10}, a.sum().reshape(1), 0);
    close(new float[] {0.2689414f, 0.7310586f}, bf16(new float[] {0, 1}, 2).softmax(0), 1e-2f);
  }

  @Test
  void bf16Autograd() {
    NDArray x = bf16(new float[] {1, 2, 3}, 3);
    x.setRequiresGradient(true);
    try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
      gc.backward(x.mul(x).sum());
    }
    NDArray g = x.getGradient();
    assertEquals(DataType.BFLOAT16, g.getDataType());
    close(new float[] {2, 4, 6}, g, 0);
  }

  @Test
  void bf16FusedKernels() {
    FusedOps ops = FusedOps.get();
    NDArray q = m.randomNormal(new Shape(1, 2, 4, 8)).toType(DataType.BFLOAT16, false);
    NDArray k = m.randomNormal(new Shape(1, 1, 4, 8)).toType(DataType.BFLOAT16, false);
    NDArray v = m.randomNormal(new Shape(1, 1, 4, 8)).toType(DataType.BFLOAT16, false);
    NDArray out = ops.attention(q, k, v, null, true, 0);
    assertEquals(DataType.BFLOAT16, out.getDataType());
    float[] want =
        FusedOps.composite()
            .attention(q, k, v, null, true, 0)
            .toType(DataType.FLOAT32, false)
            .toFloatArray();
    close(want, out, 3e-2f);
    NDArray x = m.randomNormal(new Shape(3, 8)).toType(DataType.BFLOAT16, false);
    NDArray w = m.ones(new Shape(8)).toType(DataType.BFLOAT16, false);
    assertEquals(DataType.BFLOAT16, ops.rmsNorm(x, w, 1e-6).getDataType());
    NDArray p = m.ones(new Shape(4)).toType(DataType.BFLOAT16, false);
    NDArray g = m.ones(new Shape(4)).toType(DataType.BFLOAT16, false);
    ops.adamw(
        List.of(p),
        List.of(g),
        List.of(p.zerosLike()),
        List.of(p.zerosLike()),
        new FusedOps.AdamW(0.125, 0.9, 0.999, 1e-8, 0),
        1);
    close(new float[] {0.875f, 0.875f, 0.875f, 0.875f}, p, 1e-2f);
  }

  @Test
  void precisionGuardKeepsBf16OnFairlNative() {
    PrecisionGuard.Resolved r = PrecisionGuard.resolve(DataType.BFLOAT16, Device.cpu());
    assertEquals(DataType.BFLOAT16, r.type());
    assertEquals("", r.notice());
    PrecisionGuard.checkCreate(DataType.BFLOAT16, Device.cpu());
  }

  @org.junit.jupiter.api.AfterAll
  static void writeExercisedNatives() throws Exception {
    OpSuite.writeExercised();
  }
}
