/*
 * The fused decoder layer (fairl-native/src/train.cc) against the DJL path on the CPU: the same
 * logits and gradients (fp32, tight tolerance), with and without padding, for Llama (GQA, Llama 3
 * rope scaling), Qwen2 (q/k/v biases) and Qwen3 (q/k norms); plus the gradient natives. Tagged
 * "native": needs fairl-native, run by fairl-native/test-cpu.sh.
 */
package ai.fairl.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.fairl.engine.EngineInfo;
import ai.fairl.model.lora.LoraConfig;
import ai.fairl.model.lora.LoraModel;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
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
    assertEquals(fused, m.setFusedLayers(fused));
    Map<String, NDArray> params = m.parameters();
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

  @ParameterizedTest
  @ValueSource(strings = {"llama"})
  void adaptersAndCachesKeepTheDjlPath(String family) {
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel m =
            TransformerModel.create(
                TransformerConfig.tiny(family, 64, 32, 2), root, DataType.FLOAT32, 5)) {
      Run plain = run(m, root, false, false);
      try (LoraModel lm =
          LoraModel.inject(
              m,
              new LoraConfig(
                  4, 8, 0, List.of("q_proj", "v_proj"), null, null, LoraConfig.Bias.NONE),
              1,
              "t")) {
        // B = 0: the adapted model computes the plain one; the fused flag must not drop adapters
        Run withLora = run(m, root, true, false);
        assertClose(plain.logits(), withLora.logits(), 1e-5, "LoRA (B = 0) logits");
        assertNotNull(lm.parameters());
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
