/*
 * The fused decoder layer (fairl-native/src/train.cc) against the DJL path on the CPU: the same
 * logits and gradients (fp32, tight tolerance), with and without padding, for Llama (GQA, Llama 3
 * rope scaling), Qwen2 (q/k/v biases) and Qwen3 (q/k norms); plus the gradient natives. Tagged
 * "native": needs fairl-native, run by fairl-native/test-cpu.sh.
 */
package ai.fairl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.fairl.engine.EngineInfo;
import ai.fairl.model.lora.LoraAdapter;
import ai.fairl.model.lora.LoraConfig;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Tag("native")
class FusedLayerNativeTest {

  @BeforeEach
  void onFairlNative() {
    assertTrue(
        EngineInfo.current().isFairlNative(),
        "the fused layer needs fairl-native, but DJL runs on " + EngineInfo.current().describe());
    assertTrue(TrainNatives.available(), "fairl-native lacks the training natives (train.cc)");
  }

  private record Run(float[] logits, List<float[]> grads, float loss) {}

  private static Run run(TransformerModel m, NDManager root, boolean fused, boolean padded) {
    return run(m, m.parameters(), root, fused, padded);
  }

  private static Run run(
      TransformerModel m,
      Map<String, NDArray> params,
      NDManager root,
      boolean fused,
      boolean padded) {
    assertEquals(fused, m.setFusedLayers(fused));
    for (NDArray p : params.values()) {
      p.setRequiresGradient(true);
    }
    try (NDManager step = root.newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      long[] ids = {3, 17, 42, 5, 9, 60, 11, 2, 7, 7, 1, 33, 28, 50, 4, 19};
      NDArray x = step.create(ids, new Shape(2, 8)); // (2, 8)
      NDArray mask = null;
      if (padded) { // row 1 left-padded by three tokens
        mask =
            step.create(new long[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1}, x.getShape());
      }
      NDArray logits = m.forward(x, mask, null, null, true).logits(); // (2, 8, vocab)
      NDArray loss = logits.square().mean();
      gc.backward(loss);
      List<float[]> grads = new ArrayList<>();
      for (NDArray p : params.values()) {
        grads.add(p.getGradient().toFloatArray());
      }
      Run r = new Run(logits.toFloatArray(), grads, loss.getFloat());
      TrainNatives.clearGradients(new ArrayList<>(params.values()));
      return r;
    }
  }

  private static void assertClose(float[] want, float[] got, double tol, String what) {
    assertEquals(want.length, got.length, what);
    double num = 0;
    double den = 0;
    for (int i = 0; i < want.length; i++) {
      assertFalse(Float.isNaN(got[i]), what + " has NaN at " + i);
      num += (want[i] - got[i]) * (double) (want[i] - got[i]);
      den += want[i] * (double) want[i];
    }
    double rel = Math.sqrt(num / Math.max(den, 1e-30));
    assertTrue(rel < tol, what + ": relative error " + rel + " >= " + tol);
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen2", "qwen3"})
  void fusedLayerMatchesTheDjlPath(String family) {
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel m =
            TransformerModel.create(
                TransformerConfig.tiny(family, 64, 32, 2), root, DataType.FLOAT32, 11)) {
      for (boolean padded : new boolean[] {false, true}) {
        Run ref = run(m, root, false, padded);
        Run fused = run(m, root, true, padded);
        String what = family + (padded ? " padded" : "");
        assertClose(ref.logits(), fused.logits(), 1e-5, what + " logits");
        for (int i = 0; i < ref.grads().size(); i++) {
          assertClose(ref.grads().get(i), fused.grads().get(i), 1e-4, what + " gradient " + i);
        }
        assertEquals(ref.loss(), fused.loss(), 1e-5 * Math.abs(ref.loss()), what + " loss");
      }
    }
  }

  @Test
  void loraAdaptersRunInsideTheFusedLayer() {
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel m =
            TransformerModel.create(
                TransformerConfig.tiny("qwen2", 64, 32, 2), root, DataType.FLOAT32, 5)) {
      LoraConfig cfg =
          new LoraConfig(4, 8, 0, List.of("q_proj", "v_proj"), null, null, LoraConfig.Bias.NONE);
      Map<String, NDArray> params = new LinkedHashMap<>(m.parameters());
      Random r = new Random(3);
      for (Map.Entry<String, Linear> e : m.linears().entrySet()) {
        if (!e.getKey().endsWith("q_proj") && !e.getKey().endsWith("down_proj")) {
          continue;
        }
        Linear l = e.getValue();
        float[] a = new float[4 * l.inFeatures()];
        float[] b = new float[l.outFeatures() * 4];
        for (int i = 0; i < a.length; i++) {
          a[i] = (float) r.nextGaussian() * 0.1f;
        }
        for (int i = 0; i < b.length; i++) {
          b[i] = (float) r.nextGaussian() * 0.1f;
        }
        LoraAdapter ad =
            LoraAdapter.of(
                root.create(a, new Shape(4, l.inFeatures())),
                root.create(b, new Shape(l.outFeatures(), 4)),
                cfg);
        l.addAdapter(ad);
        params.put(e.getKey() + ".lora_A", ad.a());
        params.put(e.getKey() + ".lora_B", ad.b());
      }
      for (boolean padded : new boolean[] {false, true}) {
        Run ref = run(m, params, root, false, padded);
        Run fused = run(m, params, root, true, padded);
        assertClose(ref.logits(), fused.logits(), 1e-5, "LoRA logits");
        for (int i = 0; i < ref.grads().size(); i++) {
          assertClose(ref.grads().get(i), fused.grads().get(i), 1e-4, "LoRA gradient " + i);
        }
      }
      // a second adapter on one projection: the fused layer declines, the DJL path runs
      m.linears().get("model.layers.0.mlp.up_proj").addAdapter(new Doubling());
      assertTrue(m.setFusedLayers(true));
      Run fusedFlag = run(m, params, root, true, false);
      Run plain = run(m, params, root, false, false);
      assertClose(plain.logits(), fusedFlag.logits(), 1e-6, "unfusable adapter falls back");
    }
  }

  @Test
  void fusedLayersUnderGradientCheckpointingGiveTheSameGradients() {
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel m =
            TransformerModel.create(
                TransformerConfig.tiny("llama", 64, 32, 2), root, DataType.FLOAT32, 8)) {
      Run plain = run(m, root, true, true);
      ai.fairl.train.GradientCheckpointing.enable(m);
      try {
        Map<String, NDArray> params = m.parameters();
        assertTrue(m.setFusedLayers(true));
        for (NDArray p : params.values()) {
          p.setRequiresGradient(true);
        }
        try (NDManager step = root.newSubManager();
            GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          long[] ids = {3, 17, 42, 5, 9, 60, 11, 2, 7, 7, 1, 33, 28, 50, 4, 19};
          NDArray x = step.create(ids, new Shape(2, 8));
          NDArray mask =
              step.create(
                  new long[] {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 1}, x.getShape());
          NDArray loss = m.forward(x, mask, null, null, true).logits().square().mean();
          gc.backward(loss);
          ai.fairl.train.GradientCheckpointing.backwardPending();
          int i = 0;
          for (NDArray p : params.values()) {
            assertClose(
                plain.grads().get(i), p.getGradient().toFloatArray(), 1e-4, "checkpointed " + i);
            i++;
          }
          TrainNatives.clearGradients(new ArrayList<>(params.values()));
        }
      } finally {
        ai.fairl.train.GradientCheckpointing.disable(m);
      }
    }
  }

  /** An adapter the fused layer cannot run: y -> 2 y. */
  private static final class Doubling implements LinearAdapter {
    @Override
    public NDArray apply(NDArray input, NDArray baseOutput, boolean training) {
      return baseOutput.add(baseOutput);
    }

    @Override
    public Map<String, NDArray> trainableParameters() {
      return Map.of();
    }
  }

  @Test
  void chosenLogProbsMatchLogSoftmaxWithGradients() {
    try (NDManager root = NDManager.newBaseManager()) {
      Random r = new Random(9);
      float[] hv = new float[10 * 6];
      float[] wv = new float[13 * 6];
      for (int i = 0; i < hv.length; i++) {
        hv[i] = (float) r.nextGaussian();
      }
      for (int i = 0; i < wv.length; i++) {
        wv[i] = (float) r.nextGaussian();
      }
      long[] tv = {0, 12, 5, 5, 3, 7, 1, 11, 2, 9};
      float[][] res = new float[2][];
      float[][] gh = new float[2][];
      float[][] gw = new float[2][];
      for (int k = 0; k < 2; k++) {
        NDArray h = root.create(hv, new Shape(2, 5, 6));
        NDArray w = root.create(wv, new Shape(13, 6));
        h.setRequiresGradient(true);
        w.setRequiresGradient(true);
        try (NDManager step = root.newSubManager();
            GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray t = step.create(tv, new Shape(2, 5));
          NDArray lp;
          if (k == 0) { // reference: full log-softmax, gather
            NDArray logits = h.matMul(w.transpose()); // (2, 5, 13)
            lp = logits.logSoftmax(-1).gather(t.expandDims(-1), -1).squeeze(-1);
          } else {
            lp = TrainNatives.chosenLogProbs(h, w, t, 3); // chunks of 3 rows (4 chunks)
          }
          assertEquals(new Shape(2, 5), lp.getShape());
          gc.backward(
              lp.mul(step.create(new float[] {1, 2, 3, 4, 5, 5, 4, 3, 2, 1}, lp.getShape())).sum());
          res[k] = lp.toFloatArray();
          gh[k] = h.getGradient().toFloatArray();
          gw[k] = w.getGradient().toFloatArray();
        }
      }
      assertClose(res[0], res[1], 1e-6, "log-probs");
      assertClose(gh[0], gh[1], 1e-5, "d/d hidden");
      assertClose(gw[0], gw[1], 1e-5, "d/d weight");
      // a frozen head: no weight gradient, the hidden's still right
      NDArray h = root.create(hv, new Shape(10, 6));
      NDArray w = root.create(wv, new Shape(13, 6));
      h.setRequiresGradient(true);
      try (NDManager step = root.newSubManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray lp = TrainNatives.chosenLogProbs(h, w, step.create(tv), 4);
        gc.backward(lp.mul(step.create(new float[] {1, 2, 3, 4, 5, 5, 4, 3, 2, 1})).sum());
        assertClose(gh[0], h.getGradient().toFloatArray(), 1e-5, "d/d hidden, frozen head");
      }
    }
  }

  @ParameterizedTest
  @ValueSource(ints = {3})
  void gradientsAreReadAndSetToNone(int n) {
    try (NDManager root = NDManager.newBaseManager()) {
      List<NDArray> ps = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        NDArray p = root.create(new float[] {1f + i, 2f});
        p.setRequiresGradient(true);
        ps.add(p);
      }
      try (NDManager step = root.newSubManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDManager owner = step;
        assertNull(TrainNatives.gradients(ps, owner).get(0), "no gradient before backward");
        gc.backward(ps.get(0).mul(ps.get(1)).sum().add(ps.get(2).sum()));
        List<NDArray> g = TrainNatives.gradients(ps, owner);
        assertClose(new float[] {2f, 2f}, g.get(0).toFloatArray(), 1e-7, "d/dp0");
        assertClose(new float[] {1f, 2f}, g.get(1).toFloatArray(), 1e-7, "d/dp1");
        assertClose(new float[] {1f, 1f}, g.get(2).toFloatArray(), 1e-7, "d/dp2");
        TrainNatives.clearGradients(ps);
        for (NDArray x : TrainNatives.gradients(ps, owner)) {
          assertNull(x, "gradient set to None");
        }
      }
    }
  }
}
