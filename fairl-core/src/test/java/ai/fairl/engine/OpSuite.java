/*
 * Shared set-up of the NDArray op suite: the device under test (FAIRL_TEST_DEVICE=cpu|gpu, default
 * cpu) and the engine the run must be on (FAIRL_ENGINE_EXPECT=stock|fairl-native, default: either),
 * so that a run meant for fairl-native fails instead of quietly testing stock DJL twice.
 */
package ai.fairl.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;

final class OpSuite {

  private OpSuite() {}

  static Device device() {
    String d = System.getenv().getOrDefault("FAIRL_TEST_DEVICE", "cpu");
    return switch (d) {
      case "cpu" -> Device.cpu();
      case "gpu" -> Device.gpu();
      default ->
          throw new IllegalArgumentException(
              "FAIRL_TEST_DEVICE must be cpu or gpu, got '" + d + "'");
    };
  }

  /** A manager on the device under test, after checking the engine is the expected one. */
  static NDManager manager() {
    checkEngine();
    return NDManager.newBaseManager(device());
  }

  static void checkEngine() {
    String expect = System.getenv().getOrDefault("FAIRL_ENGINE_EXPECT", "");
    EngineInfo info = EngineInfo.current();
    if (expect.equals("fairl-native") && !info.isFairlNative()) {
      fail("FAIRL_ENGINE_EXPECT=fairl-native but DJL runs on " + info.describe());
    }
    if (expect.equals("stock") && info.isFairlNative()) {
      fail("FAIRL_ENGINE_EXPECT=stock but DJL runs on " + info.describe());
    }
    if (!expect.isEmpty() && !expect.equals("stock") && !expect.equals("fairl-native")) {
      fail("FAIRL_ENGINE_EXPECT must be stock or fairl-native, got '" + expect + "'");
    }
  }

  static void close(float[] expected, NDArray actual, float tol) {
    float[] got = actual.toType(ai.djl.ndarray.types.DataType.FLOAT32, false).toFloatArray();
    assertEquals(expected.length, got.length, "element count");
    for (int i = 0; i < got.length; i++) {
      if (Math.abs(expected[i] - got[i]) > tol * Math.max(1f, Math.abs(expected[i]))) {
        fail("element " + i + ": expected " + expected[i] + ", got " + got[i]);
      }
    }
  }

  static void exact(float[] expected, NDArray actual) {
    assertArrayEquals(expected, actual.toFloatArray());
  }

  static void exact(long[] expected, NDArray actual) {
    assertArrayEquals(expected, actual.toLongArray());
  }

  /**
   * Writes the natives exercised so far to target/fairl-native-exercised.txt (fairl-native only).
   */
  static void writeExercised() throws java.io.IOException {
    if (!EngineInfo.current().isFairlNative()) {
      return;
    }
    java.nio.file.Path out = java.nio.file.Path.of("target", "fairl-native-exercised.txt");
    java.nio.file.Files.createDirectories(out.getParent());
    java.nio.file.Files.write(out, java.util.Arrays.asList(FusedNatives.usedNatives()));
  }

  static void shape(NDArray a, long... dims) {
    assertArrayEquals(dims, a.getShape().getShape(), "shape");
  }
}
