/*
 * FusedOps: hand-checkable cases for whichever implementation FusedOps.get() picks (composite on
 * stock DJL, native on fairl-native), and native-vs-composite agreement on random inputs (forward
 * and gradients), which is meaningful under fairl-native (test-cpu.sh, the GPU run).
 */
package ai.fairl.engine;

import static ai.fairl.engine.OpSuite.close;
import static ai.fairl.engine.OpSuite.shape;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

@Tag("engine")
class FusedOpsTest {

  private NDManager m;
  private final FusedOps ops = FusedOps.get();

  @BeforeEach
  void open() {
    m = OpSuite.manager();
    Engine.getEngine("PyTorch").setRandomSeed(1234);
  }

  @AfterEach
  void closeManager() {
    m.close();
  }

  @Test
  void pickedImplementationMatchesEngine() {
    assertEquals(EngineInfo.current().isFairlNative(), ops.isNative());
    assertTrue(!FusedOps.composite().isNative());
  }

  @Test
  void attentionAveragesValuesWhenScoresTie() {
    // q = 0: every score ties, so each query averages the values it may see.
    NDArray q = m.zeros(new Shape(1, 1, 3, 2));
    NDArray k = m.randomNormal(new Shape(1, 1, 3, 2));
    NDArray v = m.create(new float[] {1, 10, 2, 20, 3, 30}, new Shape(1, 1, 3, 2));
    close(new float[] {2, 20, 2, 20, 2, 20}, ops.attention(q, k, v, null, false, 0), 1e-5f);
    // causal: query i averages values 0..i
    close(new float[] {1, 10, 1.5f, 15, 2, 20}, ops.attention(q, k, v, null, true, 0), 1e-5f);
    // padding mask hides key 2 from every query
    NDArray pad = m.create(new boolean[] {true, true, false}, new Shape(1, 1, 1, 3));
    close(new float[] {1.5f, 15, 1.5f, 15, 1.5f, 15}, ops.attention(q, k, v, pad, false, 0), 1e-5f);
    close(new float[] {1, 10, 1.5f, 15, 1.5f, 15}, ops.attention(q, k, v, pad, true, 0), 1e-5f);
  }

  @Test
  void attentionSoftmaxOfScaledScores() {
    // one query, two keys: scores (q.k) * scale = [0, ln 3] -> weights [1/4, 3/4]
    NDArray q = m.create(new float[] {1, 0}, new Shape(1, 1, 1, 2));
    NDArray k = m.create(new float[] {0, 0, (float) Math.log(3), 0}, new Shape(1, 1, 2, 2));
    NDArray v = m.create(new float[] {4, 0, 0, 8}, new Shape(1, 1, 2, 2));
    close(new float[] {1, 6}, ops.attention(q, k, v, null, false, 1.0), 1e-5f);
  }

  @Test
  void groupedQueryAttentionSharesKvHeads() {
    NDArray q = m.randomNormal(new Shape(2, 4, 5, 8));
    NDArray k = m.randomNormal(new Shape(2, 2, 5, 8));
    NDArray v = m.randomNormal(new Shape(2, 2, 5, 8));
    NDArray out = ops.attention(q, k, v, null, true, 0);
    shape(out, 2, 4, 5, 8);
    // heads 0 and 1 read kv head 0, heads 2 and 3 kv head 1
    NDArray kRep = k.repeat(1, 2);
    NDArray vRep = v.repeat(1, 2);
    close(FusedOps.composite().attention(q, kRep, vRep, null, true, 0).toFloatArray(), out, 1e-4f);
    assertThrows(
        Exception.class,
        () -> ops.attention(q, m.randomNormal(new Shape(2, 3, 5, 8)), v, null, false, 0));
  }

  @Test
  void nativeAndCompositeAttentionAgreeWithMasksAndKvCache() {
    NDArray q = m.randomNormal(new Shape(2, 4, 3, 16));
    NDArray k = m.randomNormal(new Shape(2, 2, 7, 16));
    NDArray v = m.randomNormal(new Shape(2, 2, 7, 16));
    NDArray pad =
        m.create(
            new boolean[] {
              false, true, true, true, true, true, true,
              true, true, true, true, true, true, true
            },
            new Shape(2, 1, 1, 7));
    NDArray additive = m.randomNormal(new Shape(2, 1, 3, 7));
    for (NDArray mask : new NDArray[] {null, pad, additive}) {
      for (boolean causal : new boolean[] {false, true}) {
        float[] want = FusedOps.composite().attention(q, k, v, mask, causal, 0.3).toFloatArray();
        close(want, ops.attention(q, k, v, mask, causal, 0.3), 1e-4f);
      }
    }
  }

  @Test
  void rmsNormByHand() {
    NDArray x = m.create(new float[] {3, 4}, new Shape(1, 2));
    NDArray w = m.create(new float[] {1, 2}, new Shape(2));
    // mean(x^2) = 12.5, 1/sqrt(12.5) = 0.2828427
    close(new float[] {0.8485281f, 2.2627417f}, ops.rmsNorm(x, w, 0), 1e-5f);
    NDArray r = m.randomNormal(new Shape(2, 3, 8));
    NDArray rw = m.randomNormal(new Shape(8));
    close(
        FusedOps.composite().rmsNorm(r, rw, 1e-6).toFloatArray(), ops.rmsNorm(r, rw, 1e-6), 1e-5f);
  }

  @Test
  void rotaryRotatesHalves() {
    NDArray x = m.create(new float[] {1, 2, 3, 4}, new Shape(1, 1, 1, 4));
    NDArray ones = m.ones(new Shape(1, 1, 1, 4));
    NDArray zeros = m.zeros(new Shape(1, 1, 1, 4));
    close(new float[] {1, 2, 3, 4}, ops.rotary(x, ones, zeros), 0);
    close(new float[] {-3, -4, 1, 2}, ops.rotary(x, zeros, ones), 0);
    NDArray r = m.randomNormal(new Shape(2, 2, 5, 8));
    NDArray c = m.randomNormal(new Shape(1, 1, 5, 8));
    NDArray s = m.randomNormal(new Shape(1, 1, 5, 8));
    close(FusedOps.composite().rotary(r, c, s).toFloatArray(), ops.rotary(r, c, s), 1e-5f);
  }

  @Test
  void chosenLogProbsMatchesFullLogSoftmax() {
    // zero hidden states: uniform over a vocab of 4, log p = -ln 4 for any target
    NDArray h0 = m.zeros(new Shape(1, 2, 3));
    NDArray w0 = m.randomNormal(new Shape(4, 3));
    NDArray t0 = m.create(new long[] {0, 3}, new Shape(1, 2));
    close(new float[] {-1.3862944f, -1.3862944f}, ops.chosenLogProbs(h0, w0, t0, 1), 1e-5f);

    NDArray hidden = m.randomNormal(new Shape(2, 5, 6));
    NDArray lmHead = m.randomNormal(new Shape(11, 6));
    NDArray targets = m.randomInteger(0, 11, new Shape(2, 5), DataType.INT64);
    NDArray full =
        hidden
            .matMul(lmHead.transpose())
            .logSoftmax(-1)
            .gather(targets.expandDims(-1), -1)
            .squeeze(-1);
    NDArray got = ops.chosenLogProbs(hidden, lmHead, targets, 3);
    shape(got, 2, 5);
    close(full.toFloatArray(), got, 1e-4f);
  }

  @Test
  void chosenLogProbsGradientsMatchComposite() {
    NDArray hidden = m.randomNormal(new Shape(7, 6));
    NDArray lmHead = m.randomNormal(new Shape(13, 6));
    NDArray targets = m.randomInteger(0, 13, new Shape(7), DataType.INT64);
    NDArray coef = m.randomNormal(new Shape(7));
    float[][] grads = new float[2][];
    float[][] headGrads = new float[2][];
    FusedOps[] impls = {FusedOps.composite(), ops};
    for (int i = 0; i < 2; i++) {
      NDArray h = hidden.duplicate();
      NDArray w = lmHead.duplicate();
      h.setRequiresGradient(true);
      w.setRequiresGradient(true);
      try (GradientCollector gc = Engine.getEngine("PyTorch").newGradientCollector()) {
        gc.backward(impls[i].chosenLogProbs(h, w, targets, 3).mul(coef).sum());
      }
      grads[i] = h.getGradient().toFloatArray();
      headGrads[i] = w.getGradient().toFloatArray();
    }
    close(grads[0], m.create(grads[1]), 1e-4f);
    close(headGrads[0], m.create(headGrads[1]), 1e-4f);
  }

  @Test
  void adamwFirstStepByHand() {
    NDArray p = m.create(new float[] {1}, new Shape(1));
    NDArray g = m.create(new float[] {0.5f}, new Shape(1));
    NDArray mean = m.zeros(new Shape(1));
    NDArray var = m.zeros(new Shape(1));
    ops.adamw(
        List.of(p),
        List.of(g),
        List.of(mean),
        List.of(var),
        new FusedOps.AdamW(0.1, 0.9, 0.999, 1e-8, 0.01),
        1);
    // p = 1 * (1 - 0.1 * 0.01) - 0.1 * (0.05 / 0.1) / (sqrt(0.00025 / 0.001) + 1e-8) = 0.899
    close(new float[] {0.899f}, p, 1e-5f);
    close(new float[] {0.05f}, mean, 1e-6f);
    close(new float[] {0.00025f}, var, 1e-6f);
    assertThrows(IllegalArgumentException.class, () -> new FusedOps.AdamW(-1, 0.9, 0.999, 1e-8, 0));
  }

  @Test
  void adamwNativeAndCompositeAgreeOverSteps() {
    NDArray p0 = m.randomNormal(new Shape(4, 3));
    NDArray[] p = {p0.duplicate(), p0.duplicate()};
    NDArray[] mm = {m.zeros(new Shape(4, 3)), m.zeros(new Shape(4, 3))};
    NDArray[] vv = {m.zeros(new Shape(4, 3)), m.zeros(new Shape(4, 3))};
    FusedOps[] impls = {FusedOps.composite(), ops};
    FusedOps.AdamW hyper = new FusedOps.AdamW(1e-2, 0.9, 0.95, 1e-8, 0.1);
    for (int step = 1; step <= 3; step++) {
      NDArray g = m.randomNormal(new Shape(4, 3));
      for (int i = 0; i < 2; i++) {
        impls[i].adamw(List.of(p[i]), List.of(g), List.of(mm[i]), List.of(vv[i]), hyper, step);
      }
    }
    close(p[0].toFloatArray(), p[1], 1e-5f);
  }

  @Test
  void cudaMemoryOnlyWhereCudaStatsExist() {
    EngineInfo info = EngineInfo.current();
    boolean expected = ops.isNative() && info.cudaStats() && info.gpuCount() > 0;
    assertEquals(expected, ops.cudaMemory(0).isPresent());
    ops.synchronize();
    if (expected) {
      long before = ops.cudaMemory(0).orElseThrow().allocated();
      try (NDManager gpu = NDManager.newBaseManager(ai.djl.Device.gpu())) {
        gpu.zeros(new Shape(1 << 20), DataType.FLOAT32); // 4 MiB on GPU 0
        assertTrue(ops.cudaMemory(0).orElseThrow().allocated() >= before + (4 << 20));
      }
    }
  }

  @org.junit.jupiter.api.AfterAll
  static void writeExercisedNatives() throws Exception {
    OpSuite.writeExercised();
  }
}
