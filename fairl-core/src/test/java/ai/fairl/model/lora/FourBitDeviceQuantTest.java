/*
 * FourBitWeightStore.quantizeTensor (tensor operations, the GPU path) against the Java-loop
 * quantize, byte for byte: codes, absmax (plain and double-quantised) and the offset.
 */
package ai.fairl.model.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

class FourBitDeviceQuantTest {

  private static int[] ints(NDArray a) {
    return a.toType(DataType.INT32, false).toIntArray();
  }

  @Test
  void tensorPathGivesTheJavaLoopsBytes() {
    // 300 x 130 = 39,000 values: 610 blocks (the last partial), 3 second-level blocks (partial);
    // one all-zero stretch (absmax 0) and values sitting exactly on code values (ties)
    int rows = 300;
    int cols = 130;
    float[] w = QuantizedWeightStoreTest.gaussian(rows * cols, 7);
    for (int i = 640; i < 900; i++) {
      w[i] = 0f;
    }
    float[] codes = QuantType.NF4.codes();
    for (int i = 0; i < 64; i++) {
      w[1024 + i] = codes[i % 16] * 0.05f;
    }
    w[5000] = 0.4f; // a large outlier
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray weight = m.create(w, new Shape(rows, cols));
      for (QuantType t : QuantType.values()) {
        for (boolean dq : new boolean[] {false, true}) {
          for (long chunk : new long[] {100, 1 << 14}) {
            try (FourBitWeightStore host = FourBitWeightStore.quantize(weight, t, dq);
                FourBitWeightStore dev = FourBitWeightStore.quantizeTensor(weight, t, dq, chunk)) {
              String what = t + (dq ? " double-quantised" : "") + ", chunks of " + chunk;
              NDArray[] a = host.parts();
              NDArray[] b = dev.parts();
              assertEquals(a[0].getDataType(), b[0].getDataType(), what + " codes dtype");
              assertArrayEquals(ints(a[0]), ints(b[0]), what + " packed codes");
              if (dq) {
                assertNull(b[1]);
                assertArrayEquals(ints(a[2]), ints(b[2]), what + " int8 absmax");
                assertArrayEquals(
                    a[3].toFloatArray(), b[3].toFloatArray(), what + " absmax scales");
                assertEquals(host.absmaxOffset(), dev.absmaxOffset(), what + " offset");
              } else {
                assertArrayEquals(a[1].toFloatArray(), b[1].toFloatArray(), what + " absmax");
              }
              assertArrayEquals(
                  host.dense(DataType.FLOAT32).toFloatArray(),
                  dev.dense(DataType.FLOAT32).toFloatArray(),
                  what + " dequantised");
              assertEquals(host.storageBytes(), dev.storageBytes(), what + " bytes");
            }
          }
        }
      }
    }
  }
}
