package ai.fairl.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;

/**
 * The device sampler draws from the distributions the host sampler ({@link Samplers}) draws from:
 * frequencies over many rows match temperature, top-k and top-p arithmetic; draws are seeded,
 * independent of the rest of the batch and of the step before; log-probs are the raw model's.
 */
class DeviceSamplerTest {
  static final float[] LOGITS = SamplersTest.LOGITS;
  static final int V = LOGITS.length;

  /** Frequencies of {@code rows * steps} draws, each row a copy of LOGITS. */
  static double[] freq(GenerationConfig cfg, int rows, int steps) {
    double[] f = new double[V];
    try (NDManager m = NDManager.newBaseManager()) {
      DeviceSampler s = new DeviceSampler(m, cfg, rows, V);
      s.reseed(m, cfg.seed());
      NDArray logits = m.create(tile(rows), new Shape(rows, V));
      for (int t = 0; t < steps; t++) {
        try (NDManager sm = m.newSubManager()) {
          long[] ids =
              s.select(sm, logits, sm.create(new long[] {t}, new Shape(1)))[0].toLongArray();
          for (long id : ids) {
            f[(int) id] += 1.0 / (rows * steps);
          }
        }
      }
    }
    return f;
  }

  static float[] tile(int rows) {
    float[] x = new float[rows * V];
    for (int r = 0; r < rows; r++) {
      System.arraycopy(LOGITS, 0, x, r * V, V);
    }
    return x;
  }

  @Test
  void frequenciesMatchTemperatureTopKAndTopP() {
    double[] f = freq(GenerationConfig.sampling(1, 1.0, 0, 1.0, 7), 2000, 20);
    assertEquals(0.125, f[0], 0.01);
    assertEquals(0.25, f[1], 0.01);
    assertEquals(0.5, f[2], 0.01);
    assertEquals(0.125, f[3], 0.01);
    f = freq(GenerationConfig.sampling(1, 1.0, 2, 1.0, 7), 2000, 20);
    assertEquals(2.0 / 3, f[2], 0.01);
    assertEquals(1.0 / 3, f[1], 0.01);
    assertEquals(0, f[0] + f[3] + f[4], 1e-12);
    f = freq(GenerationConfig.sampling(1, 1.0, 0, 0.7, 7), 2000, 20);
    assertEquals(2.0 / 3, f[2], 0.01);
    assertEquals(0, f[0] + f[3] + f[4], 1e-12);
    // temperature 2: probabilities proportional to sqrt(1, 2, 4, 1)
    f = freq(GenerationConfig.sampling(1, 2.0, 0, 1.0, 7), 2000, 20);
    double z = 1 + Math.sqrt(2) + 2 + 1;
    assertEquals(2 / z, f[2], 0.01);
    assertEquals(Math.sqrt(2) / z, f[1], 0.01);
    // top-k 3 then top-p 0.8 of the renormalised 4:2:1 (4/7 + 2/7 = 0.857 >= 0.8): {2, 1}
    f = freq(GenerationConfig.sampling(1, 1.0, 3, 0.8, 7), 2000, 20);
    assertEquals(2.0 / 3, f[2], 0.01);
    assertEquals(0, f[0] + f[3] + f[4], 1e-12);
  }

  @Test
  void successiveDrawsAreIndependent() {
    // pairs (draw t, draw t + 1) of a row: joint frequencies are products of the marginals
    int rows = 1000;
    int steps = 21;
    double[][] joint = new double[V][V];
    GenerationConfig cfg = GenerationConfig.sampling(1, 1.0, 0, 1.0, 3);
    try (NDManager m = NDManager.newBaseManager()) {
      DeviceSampler s = new DeviceSampler(m, cfg, rows, V);
      s.reseed(m, 3);
      NDArray logits = m.create(tile(rows), new Shape(rows, V));
      long[] prev = null;
      for (int t = 0; t < steps; t++) {
        try (NDManager sm = m.newSubManager()) {
          long[] ids =
              s.select(sm, logits, sm.create(new long[] {t}, new Shape(1)))[0].toLongArray();
          if (prev != null) {
            for (int r = 0; r < rows; r++) {
              joint[(int) prev[r]][(int) ids[r]] += 1.0 / (rows * (steps - 1));
            }
          }
          prev = ids;
        }
      }
    }
    double[] p = {0.125, 0.25, 0.5, 0.125};
    for (int a = 0; a < 4; a++) {
      for (int c = 0; c < 4; c++) {
        assertEquals(p[a] * p[c], joint[a][c], 0.012, "pair " + a + "," + c);
      }
    }
  }

  @Test
  void seededRowsIgnoreTheBatchAndLogProbsAreRaw() {
    float[] rows = new float[3 * V];
    for (int i = 0; i < rows.length; i++) {
      rows[i] = (float) Math.sin(i * 1.7) * 3;
    }
    GenerationConfig cfg = GenerationConfig.sampling(1, 0.8, 0, 0.9, 11);
    try (NDManager m = NDManager.newBaseManager()) {
      long[] all = draw(m, cfg, rows, 3, 4);
      long[] again = draw(m, cfg, rows, 3, 4);
      assertArrayEquals(all, again);
      long[] first2 = draw(m, cfg, java.util.Arrays.copyOf(rows, 2 * V), 2, 4);
      for (int t = 0; t < 4; t++) {
        assertEquals(all[t * 3], first2[t * 2], "row 0 step " + t);
        assertEquals(all[t * 3 + 1], first2[t * 2 + 1], "row 1 step " + t);
      }
      assertFalse(
          java.util.Arrays.equals(all, draw(m, cfg.withSeed(12), rows, 3, 4)),
          "another seed draws other tokens");
      // greedy: the argmax, and log-probs equal log_softmax of the raw logits
      DeviceSampler g = new DeviceSampler(m, GenerationConfig.greedy(1), 3, V);
      NDArray x = m.create(rows, new Shape(3, V));
      NDArray[] sel = g.select(m, x, m.create(new long[] {0}, new Shape(1)));
      float[] lp = sel[1].toFloatArray();
      long[] ids = sel[0].toLongArray();
      for (int r = 0; r < 3; r++) {
        float[] row = java.util.Arrays.copyOfRange(rows, r * V, (r + 1) * V);
        assertEquals(Samplers.argmax(row), ids[r]);
        assertEquals(Samplers.logSoftmaxAt(row, (int) ids[r]), lp[r], 1e-6);
      }
    }
  }

  private static long[] draw(NDManager m, GenerationConfig cfg, float[] rows, int b, int steps) {
    long[] out = new long[b * steps];
    try (NDManager sm = m.newSubManager()) {
      DeviceSampler s = new DeviceSampler(sm, cfg, b, V);
      s.reseed(sm, cfg.seed());
      NDArray x = sm.create(rows, new Shape(b, V));
      for (int t = 0; t < steps; t++) {
        long[] ids = s.select(sm, x, sm.create(new long[] {t}, new Shape(1)))[0].toLongArray();
        System.arraycopy(ids, 0, out, t * b, b);
      }
    }
    return out;
  }
}
