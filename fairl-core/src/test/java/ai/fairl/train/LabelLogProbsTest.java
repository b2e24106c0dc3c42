package ai.fairl.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.fairl.data.Collators;
import ai.fairl.data.TokenizedExample;
import ai.fairl.engine.Scalars;
import ai.fairl.model.TrainNatives;
import ai.fairl.model.TransformerConfig;
import ai.fairl.model.TransformerModel;
import ai.fairl.model.lora.LoraConfig;
import ai.fairl.model.lora.LoraModel;
import ai.fairl.train.dpo.DpoLossType;
import ai.fairl.train.dpo.DpoObjective;
import ai.fairl.train.sft.SftObjective;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link LogitsFunction#labelLogProbs}: the default path is exactly today's computation from the
 * full logits (SFT's loss and {@code mean_token_accuracy}, DPO's loss and metrics unchanged), and a
 * transformer's {@link LogitsFunction#of} gives the logits path's numbers where fairl-native's
 * training natives are absent (stock DJL). The kernel path itself: LabelLogProbsNativeTest.
 */
class LabelLogProbsTest {
  static final int VOCAB = 64;

  static TransformerModel model(NDManager root, boolean tied) {
    TransformerConfig c = TransformerConfig.tiny("llama", VOCAB, 32, 2);
    return TransformerModel.create(c.withTieWordEmbeddings(tied), root, DataType.FLOAT32, 7);
  }

  /** Three rows of uneven length (right padding), labels only after the first two tokens. */
  static TokenBatch batch(long seed) {
    return Collators.tokens(GradientCheckpointingTest.rows(3, 10, seed), 0);
  }

  /** Two pairs, chosen and rejected of different lengths, with precomputed reference log-probs. */
  static PreferenceBatch pairs() {
    List<TokenizedExample> r = GradientCheckpointingTest.rows(4, 9, 11);
    PreferenceBatch b = Collators.pairs(r.subList(0, 2), r.subList(2, 4), 0);
    return new PreferenceBatch(
        2, b.rows(), new double[] {-30.5, -28.25}, new double[] {-29.0, -31.75});
  }

  /** Sets every LoRA B (zero at the start) to 0.05, so that the adapters change the output. */
  static void liven(LoraModel lm) {
    for (Map.Entry<String, NDArray> e : lm.parameters().entrySet()) {
      if (e.getKey().contains("lora_B")) {
        NDArray p = e.getValue();
        float[] v = new float[Math.toIntExact(p.size())];
        java.util.Arrays.fill(v, 0.05f);
        p.set(v);
      }
    }
  }

  static LogitsFunction logitsPath(TransformerModel m) {
    return (ids, mask, training) -> m.forward(ids, mask, null, null, training).logits();
  }

  /** SftObjective's loss sum and mean_token_accuracy as computed before labelLogProbs existed. */
  static double[] sftBefore(LogitsFunction model, TokenBatch batch, NDManager m) {
    NDArray ids = batch.ids(m);
    NDArray mask = batch.mask(m);
    NDArray labels = batch.labelArray(m);
    NDArray logits = model.logits(ids, mask, true); // (rows, seq, vocab)
    NDArray logp = LogProbs.ofLabels(logits, labels);
    NDArray valid = LogProbs.mask(labels);
    NDArray sum = logp.sum().neg();
    long seq = batch.seq();
    NDArray predicted = logits.get(":, :{}, :", seq - 1).argMax(-1);
    NDArray target = labels.get(":, 1:");
    double correct =
        predicted.eq(target).toType(DataType.FLOAT32, false).mul(valid).sum().getFloat();
    double count = valid.sum().getFloat();
    return new double[] {sum.getFloat(), count > 0 ? correct / count : 0.0};
  }

  /** DpoObjective (sigmoid) as computed before: loss sum, rewards/chosen, rewards/rejected. */
  static double[] dpoBefore(LogitsFunction model, PreferenceBatch b, double beta, NDManager m) {
    NDArray labels = b.rows().labelArray(m);
    NDArray logits = model.logits(b.rows().ids(m), b.rows().mask(m), true);
    NDArray logp = LogProbs.ofLabels(logits, labels).sum(new int[] {1}); // (2n)
    NDArray len = Scalars.maximum(LogProbs.mask(labels).sum(new int[] {1}), 1);
    double[] both = {b.refChosen()[0], b.refChosen()[1], b.refRejected()[0], b.refRejected()[1]};
    NDArray rho = logp.sub(m.create(both).toType(DataType.FLOAT32, false));
    NDArray rhoC = rho.get("0:2");
    NDArray rhoR = rho.get("2:");
    NDArray loss = DpoLossType.SIGMOID.loss(rhoC, rhoR, len.get("0:2"), len.get("2:"), beta, 0);
    return new double[] {
      loss.sum().getFloat(),
      Scalars.mul(rhoC, beta).mean().getFloat(),
      Scalars.mul(rhoR, beta).mean().getFloat()
    };
  }

  @Test
  void defaultPathIsTheFullLogitsComputation() {
    try (NDManager m = NDManager.newBaseManager()) {
      Random r = new Random(5);
      float[] v = new float[2 * 5 * 7];
      for (int i = 0; i < v.length; i++) {
        v[i] = (float) r.nextGaussian();
      }
      v[3] = v[5]; // a tie at row 0, position 0: argmax takes index 3 first
      NDArray logits = m.create(v, new Shape(2, 5, 7));
      LogitsFunction f = (ids, mask, training) -> logits;
      long ig = LogProbs.IGNORE;
      NDArray labels = m.create(new long[] {ig, 5, 2, ig, 6, 1, ig, 4, 4, 0}, new Shape(2, 5));
      LogitsFunction.LabelScores s = f.labelLogProbs(null, null, labels, true, true);
      assertArrayEquals(
          LogProbs.ofLabels(logits, labels).toFloatArray(), s.logProbs().toFloatArray(), 0f);
      float[] hits = s.hits().toFloatArray();
      NDArray argmax = logits.get(":, :4, :").argMax(-1);
      long[] am = argmax.toLongArray();
      long[] lab = labels.get(":, 1:").toLongArray();
      for (int i = 0; i < hits.length; i++) {
        float want = lab[i] != ig && am[i] == lab[i] ? 1f : 0f;
        assertEquals(
            want, hits[i], "hit at " + i + " (argmax " + am[i] + ", label " + lab[i] + ")");
      }
      assertEquals(0f, hits[0], "a tie goes to the first index (3), not the label 5");
      assertEquals(new Shape(2, 4), s.hits().getShape());
      assertNull(f.labelLogProbs(null, null, labels, true, false).hits(), "hits not asked for");
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void sftLossAndAccuracyUnchanged(boolean tied) {
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel model = model(root, tied);
        NDManager m = root.newSubManager()) {
      TokenBatch b = batch(3);
      double[] before = sftBefore(logitsPath(model), b, m);
      for (LogitsFunction f : List.of(logitsPath(model), LogitsFunction.of(model))) {
        Objective.Loss l = new SftObjective(f).loss(b, m, true);
        double acc = l.metrics().get("mean_token_accuracy");
        if (TrainNatives.available()) { // fairl-native: the kernel path, fp32 GEMMs of other shapes
          assertEquals(before[0], l.sum().getFloat(), 1e-4, "loss");
          assertEquals(before[1], acc, 1e-9, "mean_token_accuracy");
        } else {
          assertEquals(before[0], l.sum().getFloat(), 0.0, "loss");
          assertEquals(before[1], acc, 0.0, "mean_token_accuracy");
        }
      }
      assertTrue(before[0] > 0 && before[1] >= 0 && before[1] <= 1, "sane: " + before[0]);
    }
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void dpoLossAndMetricsUnchanged(boolean tied) {
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel model = model(root, tied);
        NDManager m = root.newSubManager()) {
      PreferenceBatch b = pairs();
      double[] before = dpoBefore(logitsPath(model), b, 0.1, m);
      double tol = TrainNatives.available() ? 1e-5 : 0.0;
      for (LogitsFunction f : List.of(logitsPath(model), LogitsFunction.of(model))) {
        Objective.Loss l = new DpoObjective(f, null, DpoLossType.SIGMOID, 0.1, 0).loss(b, m, true);
        Map<String, Double> mt = l.metrics();
        assertEquals(before[0], l.sum().getFloat(), tol, "loss");
        assertEquals(before[1], mt.get("rewards/chosen"), tol, "rewards/chosen");
        assertEquals(before[2], mt.get("rewards/rejected"), tol, "rewards/rejected");
      }
    }
  }

  @Test
  void transformerFallsBackToTheLogitsPathWithoutTrainingNatives() {
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel model = model(root, false);
        NDManager m = root.newSubManager()) {
      TokenBatch b = batch(8);
      NDArray ids = b.ids(m);
      NDArray mask = b.mask(m);
      NDArray labels = b.labelArray(m);
      NDArray logits = model.forward(ids, mask, null, null, false).logits();
      LogitsFunction.LabelScores s =
          LogitsFunction.of(model).labelLogProbs(ids, mask, labels, false, true);
      float tol = TrainNatives.available() ? 1e-5f : 0f;
      assertArrayEquals(
          LogProbs.ofLabels(logits, labels).toFloatArray(), s.logProbs().toFloatArray(), tol);
      assertArrayEquals(
          LogProbs.hits(logits, labels).toFloatArray(), s.hits().toFloatArray(), 0f, "hits");
      assertArrayEquals(
          logits.toFloatArray(), LogitsFunction.of(model).logits(ids, mask, false).toFloatArray());
    }
  }

  @Test
  void withoutAdaptersIsTheBaseModelAndSwitchesThemBackOn() {
    LoraConfig lc = new LoraConfig(4, 8, 0, List.of("q_proj", "v_proj"), null, null, null);
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel model = model(root, true);
        LoraModel lm = LoraModel.inject(model, lc, 1, "t");
        NDManager m = root.newSubManager()) {
      liven(lm);
      TokenBatch b = batch(2);
      NDArray ids = b.ids(m);
      NDArray mask = b.mask(m);
      NDArray labels = b.labelArray(m);
      NDArray withAdapters =
          LogitsFunction.of(model).labelLogProbs(ids, mask, labels, false, false).logProbs();
      NDArray base =
          LogitsFunction.withoutAdapters(model)
              .labelLogProbs(ids, mask, labels, true, false)
              .logProbs();
      model.setAdaptersEnabled(false);
      NDArray expected =
          LogProbs.ofLabels(model.forward(ids, mask, null, null, false).logits(), labels);
      model.setAdaptersEnabled(true);
      float tol = TrainNatives.available() ? 1e-5f : 0f;
      assertArrayEquals(expected.toFloatArray(), base.toFloatArray(), tol, "adapters off");
      assertNotEquals(
          expected.sum().getFloat(), withAdapters.sum().getFloat(), "the adapters did nothing");
      NDArray again =
          LogitsFunction.of(model).labelLogProbs(ids, mask, labels, false, false).logProbs();
      assertArrayEquals(withAdapters.toFloatArray(), again.toFloatArray(), 0f, "adapters back on");
    }
  }
}
