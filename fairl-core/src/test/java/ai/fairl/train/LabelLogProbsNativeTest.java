/*
 * The label log-prob kernel path on fairl-native (train.cc's ChosenLogProbsKeep with hits, through
 * TrainNatives.chosenLogProbsWithHits and LogitsFunction.of): the same log-probs, argmax hits and
 * gradients as the full-logits computation, with -100 labels and argmax ties; SFT and DPO through
 * it equal the logits path; a frozen LoRA head gets no gradient; in bf16 compute the gradient
 * reaches a tied fp32 embedding through the head's cast. Tagged "native": needs fairl-native, run
 * by fairl-native/test-cpu.sh (fp32 and bf16 on the CPU against Debian's libtorch).
 */
package ai.fairl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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
import ai.fairl.model.TrainNatives;
import ai.fairl.model.TransformerModel;
import ai.fairl.model.lora.LoraConfig;
import ai.fairl.model.lora.LoraModel;
import ai.fairl.train.dpo.DpoLossType;
import ai.fairl.train.dpo.DpoObjective;
import ai.fairl.train.sft.SftObjective;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Tag("native")
class LabelLogProbsNativeTest {

  @BeforeEach
  void onFairlNative() {
    assertTrue(
        EngineInfo.current().isFairlNative(),
        "the label log-prob kernel needs fairl-native, but DJL runs on "
            + EngineInfo.current().describe());
    assertTrue(TrainNatives.available(), "fairl-native lacks the training natives (train.cc)");
  }

  private static float[] gaussian(Random r, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) r.nextGaussian();
    }
    return v;
  }

  @Test
  void kernelHitsAndLogProbsEqualTheFullLogits() {
    int h = 8;
    int vocab = 13;
    Random r = new Random(21);
    float[] hv = gaussian(r, 2 * 7 * h);
    float[] wv = gaussian(r, vocab * h);
    // rows 0 and 1 point along the same direction, which vocab rows 5 and 9 share (scaled up):
    // their logits tie at the top, and torch.argmax takes 5, the first
    for (int k = 0; k < h; k++) {
      hv[h + k] = hv[k];
      wv[5 * h + k] = 4 * hv[k];
      wv[9 * h + k] = 4 * hv[k];
    }
    long ig = LogProbs.IGNORE;
    // labels[:, 1:] are the targets: row 0 -> 9 (tied top, not the argmax), row 1 -> 5 (argmax)
    long[] lv = {ig, 9, 5, 3, ig, 12, 0, 1, 7, ig, ig, 2, 11, 6};
    float[][] lp = new float[3][];
    float[][] hits = new float[3][];
    float[][] gh = new float[3][];
    float[][] gw = new float[3][];
    try (NDManager root = NDManager.newBaseManager()) {
      for (int k = 0; k < 3; k++) {
        NDArray hidden = root.create(hv, new Shape(2, 7, h));
        NDArray w = root.create(wv, new Shape(vocab, h));
        hidden.setRequiresGradient(true);
        w.setRequiresGradient(true);
        try (NDManager step = root.newSubManager();
            GradientCollector gc = Engine.getInstance().newGradientCollector()) {
          NDArray labels = step.create(lv, new Shape(2, 7));
          NDArray valid = LogProbs.mask(labels); // (2, 6)
          NDArray target = labels.get(":, 1:");
          NDArray safe = target.mul(valid.toType(DataType.INT64, false));
          NDArray hs = hidden.get(":, :6, :"); // position t predicts t + 1
          NDArray logp;
          NDArray hit;
          if (k == 0) { // composite: full logits, log-softmax, gather; argmax
            NDArray logits = hidden.matMul(w.transpose()); // (2, 7, vocab)
            logp = LogProbs.ofLabels(logits, labels);
            hit = LogProbs.hits(logits, labels);
          } else if (k == 1) { // the new entry, chunks of 5 rows (3 chunks, the last short)
            NDArray[] o = TrainNatives.chosenLogProbsWithHits(hs, w, safe, 5);
            assertEquals(DataType.BOOLEAN, o[1].getDataType());
            assertEquals(new Shape(2, 6), o[1].getShape());
            logp = o[0].mul(valid);
            hit = o[1].toType(DataType.FLOAT32, false).mul(valid);
          } else { // the existing entry (bench) still works, log-probs only
            logp = TrainNatives.chosenLogProbs(hs, w, safe, 4).mul(valid);
            hit = null;
          }
          assertEquals(new Shape(2, 6), logp.getShape());
          NDArray coef = step.create(new float[] {1, 2, 3, 4, 5, 6, 6, 5, 4, 3, 2, 1});
          gc.backward(logp.mul(coef.reshape(2, 6)).sum());
          lp[k] = logp.toFloatArray();
          hits[k] = hit == null ? null : hit.toFloatArray();
          gh[k] = hidden.getGradient().toFloatArray();
          gw[k] = w.getGradient().toFloatArray();
        }
      }
    }
    assertEquals(0f, hits[0][0], "row 0: label 9 ties with 5 at the top, argmax is 5: no hit");
    assertEquals(1f, hits[0][1], "row 1: label 5 is the argmax (first of the tie): a hit");
    assertEquals(0f, hits[0][8], "an ignored label is never a hit");
    for (int k = 1; k < 3; k++) {
      assertArrayEquals(lp[0], lp[k], 1e-5f, "log-probs, entry " + k);
      assertArrayEquals(gh[0], gh[k], 1e-5f, "d/d hidden, entry " + k);
      assertArrayEquals(gw[0], gw[k], 1e-5f, "d/d weight, entry " + k);
    }
    assertArrayEquals(hits[0], hits[1], 0f, "hits");
    assertEquals(0f, lp[1][3], 0f, "an ignored label's log-prob is 0");
  }

  private record Step(double loss, Map<String, Double> metrics, Map<String, float[]> grads) {}

  /** One backward of {@code objective}'s loss; the gradients of {@code params}, then cleared. */
  private static Step step(
      Map<String, NDArray> params, NDManager root, Function<NDManager, Objective.Loss> objective) {
    for (NDArray p : params.values()) {
      p.setRequiresGradient(true);
    }
    try (NDManager s = root.newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      Objective.Loss l = objective.apply(s);
      gc.backward(l.sum());
      Map<String, float[]> g = new LinkedHashMap<>();
      List<NDArray> ps = new ArrayList<>(params.values());
      List<NDArray> grads = TrainNatives.gradients(ps, s);
      int i = 0;
      for (String k : params.keySet()) {
        NDArray x = grads.get(i++);
        assertNotNull(x, "no gradient reached " + k);
        assertEquals(params.get(k).getDataType(), x.getDataType(), k + " gradient dtype");
        g.put(k, x.toType(DataType.FLOAT32, false).toFloatArray());
      }
      TrainNatives.clearGradients(ps);
      return new Step(l.sum().getFloat(), l.metrics(), g);
    }
  }

  private static void assertSame(Step want, Step got, double tol, double metricTol, String what) {
    assertEquals(want.loss(), got.loss(), tol * Math.max(1, Math.abs(want.loss())), what + " loss");
    for (Map.Entry<String, Double> e : want.metrics().entrySet()) {
      double v = e.getValue();
      assertEquals(
          v,
          got.metrics().get(e.getKey()),
          metricTol * Math.max(1, Math.abs(v)),
          what + " " + e.getKey());
    }
    for (Map.Entry<String, float[]> e : want.grads().entrySet()) {
      float[] a = e.getValue();
      float[] b = got.grads().get(e.getKey());
      double scale = 0;
      for (float x : a) {
        scale = Math.max(scale, Math.abs(x));
      }
      assertTrue(scale > 0, what + ": zero gradient for " + e.getKey());
      assertArrayEquals(a, b, (float) (tol * scale), what + " gradient of " + e.getKey());
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void sftAndDpoThroughTheKernelEqualTheLogitsPath(boolean tied) {
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel model = LabelLogProbsTest.model(root, tied)) {
      assertEquals(tied, !model.parameters().containsKey("lm_head.weight"));
      Map<String, NDArray> params = model.parameters();
      TokenBatch b = LabelLogProbsTest.batch(4);
      LogitsFunction plain = LabelLogProbsTest.logitsPath(model);
      LogitsFunction fused = LogitsFunction.of(model);
      Step want = step(params, root, s -> new SftObjective(plain).loss(b, s, true));
      Step got = step(params, root, s -> new SftObjective(fused).loss(b, s, true));
      assertSame(want, got, 1e-5, 1e-5, "sft");
      PreferenceBatch pb = LabelLogProbsTest.pairs();
      Step wantD =
          step(
              params,
              root,
              s -> new DpoObjective(plain, null, DpoLossType.SIGMOID, 0.1, 0).loss(pb, s, true));
      Step gotD =
          step(
              params,
              root,
              s -> new DpoObjective(fused, null, DpoLossType.SIGMOID, 0.1, 0).loss(pb, s, true));
      assertSame(wantD, gotD, 1e-5, 1e-5, "dpo");
    }
  }

  @Test
  void loraTrainsTheAdaptersAndLeavesTheFrozenHeadWithoutGradient() {
    LoraConfig lc = new LoraConfig(4, 8, 0, List.of("q_proj", "v_proj"), null, null, null);
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel model = LabelLogProbsTest.model(root, false);
        LoraModel lm = LoraModel.inject(model, lc, 1, "t")) {
      NDArray head = model.parameters().get("lm_head.weight");
      assertFalse(head.hasGradient(), "the LoRA base head must be frozen");
      LabelLogProbsTest.liven(lm); // B = 0 would give A no gradient
      Map<String, NDArray> adapters = lm.parameters();
      TokenBatch b = LabelLogProbsTest.batch(6);
      Step want =
          step(
              adapters,
              root,
              s -> new SftObjective(LabelLogProbsTest.logitsPath(model)).loss(b, s, true));
      Step got =
          step(adapters, root, s -> new SftObjective(LogitsFunction.of(model)).loss(b, s, true));
      assertSame(want, got, 1e-5, 1e-5, "lora sft");
      try (NDManager s = root.newSubManager()) {
        assertNull(TrainNatives.gradients(List.of(head), s).get(0), "the frozen head got one");
      }
      // the reference (adapters off) through the kernel equals the base model's logits path
      try (NDManager s = root.newSubManager()) {
        NDArray ids = b.ids(s);
        NDArray mask = b.mask(s);
        NDArray labels = b.labelArray(s);
        NDArray ref =
            LogitsFunction.withoutAdapters(model)
                .labelLogProbs(ids, mask, labels, true, false)
                .logProbs();
        model.setAdaptersEnabled(false);
        NDArray base =
            LogProbs.ofLabels(model.forward(ids, mask, null, null, false).logits(), labels);
        model.setAdaptersEnabled(true);
        assertArrayEquals(base.toFloatArray(), ref.toFloatArray(), 1e-5f, "reference log-probs");
      }
    }
  }

  @Test
  void bf16ComputeReachesTheTiedFp32EmbeddingThroughTheCast() {
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel model = LabelLogProbsTest.model(root, true)) {
      model.setComputeType(DataType.BFLOAT16);
      NDArray embed = model.parameters().get("model.embed_tokens.weight");
      assertEquals(DataType.FLOAT32, embed.getDataType(), "fp32 master");
      Map<String, NDArray> params = Map.of("model.embed_tokens.weight", embed);
      TokenBatch b = LabelLogProbsTest.batch(9);
      Step want =
          step(
              params,
              root,
              s -> new SftObjective(LabelLogProbsTest.logitsPath(model)).loss(b, s, true));
      Step got =
          step(params, root, s -> new SftObjective(LogitsFunction.of(model)).loss(b, s, true));
      // bf16 rounding differs between a (rows, vocab) GEMM per chunk and the full logits' GEMM
      // (an argmax may flip: token accuracy within 0.1)
      assertSame(want, got, 2e-2, 0.1, "bf16 tied");
      // tokens absent from the batch get embedding gradient only through the LM head's cast
      java.util.Set<Long> seen = new java.util.HashSet<>();
      try (NDManager s = root.newSubManager()) {
        for (long id : b.ids(s).toLongArray()) {
          seen.add(id);
        }
      }
      float[] g = got.grads().get("model.embed_tokens.weight");
      int h = (int) embed.getShape().get(1);
      int absent = 0;
      for (int t = 0; t < LabelLogProbsTest.VOCAB; t++) {
        if (seen.contains((long) t)) {
          continue;
        }
        absent++;
        double norm = 0;
        for (int k = 0; k < h; k++) {
          norm += Math.abs(g[t * h + k]);
        }
        assertTrue(norm > 0, "no gradient reached the tied embedding of unseen token " + t);
      }
      assertTrue(absent > 0, "the batch covers the whole vocabulary: nothing checked");
    }
  }
}
