/*
 * The optimizer's multi-tensor path (fairl-native: one call for the update of all parameters, one
 * for the gradient norm, scaling and zeroing) against the composite DJL loop and against AdamW's
 * formula written out in doubles here. Tagged "native": run by fairl-native/test-cpu.sh, where DJL
 * runs on fairl-native (asserted first).
 */
package ai.fairl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.fairl.engine.EngineInfo;
import ai.fairl.engine.FusedOps;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

@Tag("native")
class AdamWNativeTest {
  private static final double LR = 1e-2;
  private static final double B1 = 0.9;
  private static final double B2 = 0.95;
  private static final double EPS = 1e-8;
  private static final double WD = 0.1;

  @BeforeEach
  void onFairlNative() {
    assertTrue(
        EngineInfo.current().isFairlNative(),
        "the multi-tensor optimizer path needs fairl-native, but DJL runs on "
            + EngineInfo.current().describe());
    assertTrue(FusedOps.get().isNative(), "FusedOps.get() must be fairl-native's kernels here");
  }

  private static float[] values(long seed, int n) {
    Random r = new Random(seed);
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  /** Three parameters: one decayed, a norm and a bias (not decayed). */
  private static Map<String, NDArray> params(NDManager m) {
    Map<String, NDArray> p = new LinkedHashMap<>();
    p.put("layers.0.mlp.weight", m.create(values(1, 12), new Shape(3, 4)));
    p.put("layers.0.input_layernorm.weight", m.create(values(2, 4), new Shape(4)));
    p.put("layers.0.mlp.bias", m.create(values(3, 3), new Shape(3)));
    for (NDArray a : p.values()) {
      a.setRequiresGradient(true);
    }
    return p;
  }

  /** Gradients of sum(w * c) for fixed c: g = c (scaled per step so the moments move). */
  private static void backward(NDManager m, Map<String, NDArray> p, int step) {
    try (GradientCollector gc = m.getEngine().newGradientCollector()) {
      NDArray loss = null;
      int k = 10;
      for (NDArray w : p.values()) {
        NDArray c = m.create(values(k++ * 7L + step, (int) w.size()), w.getShape());
        NDArray t = w.mul(c.mul(step)).sum();
        loss = loss == null ? t : loss.add(t);
      }
      gc.backward(loss);
    }
  }

  private static Map<String, float[]> train(FusedOps ops, int steps, double clip) {
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> p = params(m);
      Map<String, float[]> out = new LinkedHashMap<>();
      try (AdamW opt = new AdamW(p, B1, B2, EPS, WD, ops)) {
        for (int s = 1; s <= steps; s++) {
          backward(m, p, s);
          double norm = opt.clipGradients(clip);
          out.put("norm" + s, new float[] {(float) norm});
          opt.step(LR);
          opt.zeroGradients();
        }
        for (Map.Entry<String, NDArray> e : p.entrySet()) {
          out.put(e.getKey(), e.getValue().toFloatArray());
          out.put(e.getKey() + ".m", opt.expAvg().get(e.getKey()).toFloatArray());
          out.put(e.getKey() + ".v", opt.expAvgSq().get(e.getKey()).toFloatArray());
          assertArrayEquals(
              new float[(int) e.getValue().size()],
              e.getValue().getGradient().toFloatArray(),
              "gradients zeroed after the step");
        }
      }
      return out;
    }
  }

  @Test
  void nativeMatchesCompositeWithClippingAndDecayGroups() {
    Map<String, float[]> fused = train(FusedOps.get(), 4, 0.5);
    Map<String, float[]> composite = train(FusedOps.composite(), 4, 0.5);
    assertEquals(composite.keySet(), fused.keySet());
    for (String k : composite.keySet()) {
      assertArrayEquals(composite.get(k), fused.get(k), 1e-5f, k);
    }
  }

  @Test
  void oneStepMatchesTheFormulaWrittenOut() {
    Map<String, float[]> fused = train(FusedOps.get(), 1, 0); // no clipping
    try (NDManager m = NDManager.newBaseManager()) {
      Map<String, NDArray> p = params(m);
      int k = 10;
      for (Map.Entry<String, NDArray> e : p.entrySet()) {
        float[] w = e.getValue().toFloatArray();
        float[] g = values(k++ * 7L + 1, w.length); // step 1: gradient = c
        boolean decays = e.getKey().endsWith("mlp.weight");
        float[] got = fused.get(e.getKey());
        double gsq = 0;
        for (int i = 0; i < w.length; i++) {
          double mi = (1 - B1) * g[i];
          double vi = (1 - B2) * g[i] * (double) g[i];
          double pi = w[i] * (decays ? 1 - LR * WD : 1);
          double denom = Math.sqrt(vi) / Math.sqrt(1 - B2) + EPS;
          pi -= LR / (1 - B1) * mi / denom;
          assertEquals(pi, got[i], 1e-5, e.getKey() + "[" + i + "]");
          assertEquals(mi, fused.get(e.getKey() + ".m")[i], 1e-6, e.getKey() + ".m[" + i + "]");
          gsq += g[i] * (double) g[i];
        }
        assertTrue(gsq > 0);
      }
    }
  }

  @Test
  void zeroingClearsNanAndInfInOneCall() {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray w = m.create(new float[] {1, 2, 3, 4}, new Shape(4));
      w.setRequiresGradient(true);
      try (GradientCollector gc = m.getEngine().newGradientCollector()) {
        gc.backward(w.mul(m.create(new float[] {Float.POSITIVE_INFINITY, Float.NaN, 1, 0})).sum());
      }
      Map<String, NDArray> p = new LinkedHashMap<>();
      p.put("w", w);
      try (AdamW opt = new AdamW(p, B1, B2, EPS, 0)) {
        assertTrue(Double.isNaN(opt.clipGradients(1.0)), "a NaN gradient gives a NaN norm");
        opt.zeroNonFiniteGradients();
        assertArrayEquals(new float[4], w.getGradient().toFloatArray());
        assertEquals(0.0, opt.clipGradients(1.0));
      }
    }
  }
}
