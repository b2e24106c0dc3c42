package ai.fairl.engine;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Without fairl-native's CUDA build (the CPU test JVM runs stock DJL natives) graphs are
 * unavailable, and asking for one says why; the GPU run (tools/bench/gpu-run.sh) exercises them.
 */
class CudaGraphTest {
  @Test
  void unavailableOnStockNativesWithAClearError() {
    if (EngineInfo.current().isFairlNative() && EngineInfo.current().gpuCount() > 0) {
      assertTrue(CudaGraph.available() || System.getProperty("fairl.cudaGraphs") != null);
      return;
    }
    assertFalse(CudaGraph.available());
    if (!EngineInfo.current().isFairlNative()) {
      String msg =
          assertThrows(IllegalStateException.class, () -> CudaGraph.create(0)).getMessage();
      assertTrue(msg.contains("fairl-native"), msg);
    }
  }
}
