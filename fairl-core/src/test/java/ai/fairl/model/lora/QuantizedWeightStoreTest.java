package ai.fairl.model.lora;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;

class QuantizedWeightStoreTest {

  static float[] gaussian(int n, long seed) {
    Random r = new Random(seed);
    float[] w = new float[n];
    for (int i = 0; i < n; i++) {
      w[i] = (float) (r.nextGaussian() * 0.02);
    }
    return w;
  }

  @Test
  void nf4KnownBoundAndCodesRoundTripExactly() {
    // Widest NF4 gap is between -1.0 and -0.6961928, so the bound is 0.1519 of the block absmax.
    assertEquals((1.0f - 0.6961928009986877f) / 2, QuantType.NF4.maxRoundingError(), 1e-7);
    // FP4's widest gap is 2/3 .. 1.
    assertEquals((1.0f - 0.6666667f) / 2, QuantType.FP4.maxRoundingError(), 1e-7);
    try (NDManager m = NDManager.newBaseManager()) {
      // A block whose values are exactly code values times absmax 2 round-trips exactly.
      float[] codes = QuantType.NF4.codes();
      float[] w = new float[64];
      for (int i = 0; i < 64; i++) {
        w[i] = 2f * codes[i % 16];
      }
      try (FourBitWeightStore s =
          FourBitWeightStore.quantize(m.create(w, new Shape(4, 16)), QuantType.NF4, false)) {
        assertArrayEquals(w, s.dense(DataType.FLOAT32).toFloatArray(), 1e-6f);
      }
    }
  }

  @Test
  void roundTripErrorWithinBoundForEachFormat() {
    int rows = 48;
    int cols = 100; // 4800 values: 75 blocks, the last one partly filled
    float[] w = gaussian(rows * cols, 11);
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray weight = m.create(w, new Shape(rows, cols));
      for (QuantType t : QuantType.values()) {
        for (boolean dq : new boolean[] {false, true}) {
          try (FourBitWeightStore s = FourBitWeightStore.quantize(weight, t, dq)) {
            float[] back = s.dense(DataType.FLOAT32).toFloatArray();
            assertEquals(w.length, back.length);
            double meanAbs = 0;
            for (int b = 0; b * 64 < w.length; b++) {
              float amax = 0;
              for (int i = b * 64; i < Math.min(w.length, b * 64 + 64); i++) {
                amax = Math.max(amax, Math.abs(w[i]));
              }
              // Double quantisation moves absmax by at most half an int8 step of its block.
              float bound = t.maxRoundingError() * amax + (dq ? amax * 0.02f : 0f) + 1e-7f;
              for (int i = b * 64; i < Math.min(w.length, b * 64 + 64); i++) {
                float err = Math.abs(back[i] - w[i]);
                meanAbs += err;
                assertTrue(err <= bound, t + " dq=" + dq + " value " + i + " err " + err);
              }
            }
            meanAbs /= w.length;
            // NF4 suits normal weights: its mean error is well under the worst case.
            if (t == QuantType.NF4) {
              assertTrue(meanAbs < 0.003, "NF4 mean abs error " + meanAbs);
            }
            long expected = FourBitWeightStore.storageBytes(rows * cols, dq);
            assertEquals(expected, s.storageBytes());
          }
        }
      }
      try (Int8WeightStore s = Int8WeightStore.quantize(weight)) {
        float[] back = s.dense(DataType.FLOAT32).toFloatArray();
        for (int r = 0; r < rows; r++) {
          float amax = 0;
          for (int c = 0; c < cols; c++) {
            amax = Math.max(amax, Math.abs(w[r * cols + c]));
          }
          for (int c = 0; c < cols; c++) {
            assertTrue(Math.abs(back[r * cols + c] - w[r * cols + c]) <= amax / 254f + 1e-7f);
          }
        }
        assertEquals(rows * cols + rows * 4L, s.storageBytes());
      }
    }
  }

  @Test
  void storageMatchesTheQloraPaperBitsPerParameter() {
    long n = 4096L * 4096L;
    // 4 bits + 32/64 = 4.5 bits; with double quant 4 + 8/64 + 32/(64*256) = 4.127 bits.
    assertEquals(4.5, FourBitWeightStore.storageBytes(n, false) * 8.0 / n, 1e-9);
    assertEquals(4.127, FourBitWeightStore.storageBytes(n, true) * 8.0 / n, 1e-3);
  }
}
