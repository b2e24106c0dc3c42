package ai.fairl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import ai.fairl.data.Collators;
import ai.fairl.data.TokenizedExample;
import ai.fairl.model.LayerHook;
import ai.fairl.model.TransformerConfig;
import ai.fairl.model.TransformerModel;
import ai.fairl.model.lora.LoraConfig;
import ai.fairl.model.lora.LoraModel;
import ai.fairl.train.sft.SftObjective;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Gradient checkpointing changes memory, not arithmetic: the gradients and the loss curve equal
 * those of a plain backward (fp32, max abs difference 1e-5), under full fine-tuning (gradients
 * reach the embeddings through the first layer's input) and LoRA with dropout (the recompute draws
 * the forward's masks), and it really drops the layers' activations.
 */
class GradientCheckpointingTest {
  private static final int VOCAB = 64;

  static List<TokenizedExample> rows(int n, int len, long seed) {
    Random r = new Random(seed);
    List<TokenizedExample> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      long[] ids = new long[len - (i % 3)]; // uneven lengths: padding and masks
      for (int t = 0; t < ids.length; t++) {
        ids[t] = t == 0 ? r.nextInt(VOCAB) : (ids[t - 1] * 5 + 3 + r.nextInt(2)) % VOCAB;
      }
      boolean[] trained = new boolean[ids.length];
      Arrays.fill(trained, 2, ids.length, true);
      out.add(new TokenizedExample(ids, trained));
    }
    return out;
  }

  private static TransformerModel model(NDManager root) {
    // qwen3: GQA and q/k norms; untied head
    return TransformerModel.create(
        TransformerConfig.tiny("qwen3", VOCAB, 32, 3), root, DataType.FLOAT32, 7);
  }

  /** Gradients of every trainable tensor after one SFT micro-batch's backward. */
  private static Map<String, float[]> gradients(
      TransformerModel m, Trainable t, Consumer<TransformerModel> hook, int[] pendingAfter) {
    hook.accept(m);
    LogitsFunction f = (ids, mask, tr) -> m.forward(ids, mask, null, null, tr).logits();
    Engine.getInstance().setRandomSeed(11);
    try (NDManager micro = m.manager().newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      TokenBatch b = Collators.tokens(rows(4, 12, 3), 0);
      Objective.Loss l = new SftObjective(f).loss(b, micro, true);
      gc.backward(l.sum());
      GradientCheckpointing.backwardPending();
      pendingAfter[0] = GradientCheckpointing.pendingCount();
    }
    Map<String, float[]> g = new LinkedHashMap<>();
    t.parameters().forEach((k, v) -> g.put(k, v.getGradient().toFloatArray()));
    return g;
  }

  private static void assertSame(Map<String, float[]> want, Map<String, float[]> got) {
    assertEquals(want.keySet(), got.keySet());
    int nonZero = 0;
    List<String> bad = new ArrayList<>();
    for (String k : want.keySet()) {
      float[] a = want.get(k);
      float[] b = got.get(k);
      double max = 0;
      for (int i = 0; i < a.length; i++) {
        max = Math.max(max, Math.abs(a[i] - b[i]));
        nonZero += a[i] != 0 ? 1 : 0;
      }
      if (!(max <= 1e-5)) {
        bad.add(k + ": max |grad difference| " + max);
      }
    }
    assertTrue(bad.isEmpty(), "gradients differ by more than 1e-5: " + bad);
    assertTrue(nonZero > 0, "every gradient is zero: the comparison would prove nothing");
  }

  @Test
  void fullFineTuningGradientsEqualAPlainBackward() {
    try (NDManager root = NDManager.newBaseManager()) {
      int[] pending = {-1};
      Map<String, float[]> plain;
      try (TransformerModel m = model(root)) {
        plain = gradients(m, new FullFineTune(m, null), x -> {}, pending);
      }
      Map<String, float[]> ckpt;
      try (TransformerModel m = model(root)) {
        ckpt = gradients(m, new FullFineTune(m, null), GradientCheckpointing::enable, pending);
      }
      assertEquals(0, pending[0], "recorded forwards left after the backward");
      assertSame(plain, ckpt);
      float[] embed = ckpt.get("model.embed_tokens.weight");
      assertTrue(nonZeroCount(embed) > 0, "no gradient reached the embeddings");
    }
  }

  private static int nonZeroCount(float[] a) {
    int n = 0;
    for (float x : a) {
      n += x != 0 ? 1 : 0;
    }
    return n;
  }

  @Test
  void loraGradientsWithDropoutEqualAPlainBackwardWithTheSameMasks() {
    LoraConfig lc =
        new LoraConfig(
            4, 8, 0.2, List.of("q_proj", "v_proj", "gate_proj", "down_proj"), null, null, null);
    try (NDManager root = NDManager.newBaseManager()) {
      int[] pending = {-1};
      Map<String, float[]> plain;
      Map<String, float[]> ckpt;
      Map<String, float[]> noSeeding;
      try (TransformerModel m = model(root);
          LoraModel lm = LoraModel.inject(m, lc, 5, "t")) {
        randomiseB(lm);
        plain = gradients(m, lm, GradientCheckpointing::seedingOnly, pending);
      }
      try (TransformerModel m = model(root);
          LoraModel lm = LoraModel.inject(m, lc, 5, "t")) {
        randomiseB(lm);
        ckpt = gradients(m, lm, GradientCheckpointing::enable, pending);
      }
      try (TransformerModel m = model(root);
          LoraModel lm = LoraModel.inject(m, lc, 5, "t")) {
        randomiseB(lm);
        noSeeding = gradients(m, lm, x -> x.setLayerHook(LayerHook.direct()), pending);
      }
      assertEquals(0, pending[0]);
      assertSame(plain, ckpt);
      // the dropout really is random: other masks give other gradients
      float[] a = plain.get("model.layers.0.self_attn.q_proj.lora_A.weight");
      float[] b = noSeeding.get("model.layers.0.self_attn.q_proj.lora_A.weight");
      double diff = 0;
      for (int i = 0; i < a.length; i++) {
        diff = Math.max(diff, Math.abs(a[i] - b[i]));
      }
      assertTrue(diff > 1e-4, "dropout masks did not matter (diff " + diff + ")");
    }
  }

  /** B starts at zero (PEFT's init), which would zero every A gradient; give it values. */
  private static void randomiseB(LoraModel lm) {
    Random r = new Random(9);
    lm.adapters()
        .values()
        .forEach(
            a -> {
              float[] v = new float[Math.toIntExact(a.b().size())];
              for (int i = 0; i < v.length; i++) {
                v[i] = (float) (r.nextGaussian() * 0.1);
              }
              a.b().set(v);
            });
  }

  /** Five SFT steps with gradient accumulation 2: the same losses with and without. */
  @Test
  void fiveStepSftRunHasTheSameLosses(@TempDir Path out) throws Exception {
    List<Double> plain = sft(out.resolve("plain"), false);
    List<Double> ckpt = sft(out.resolve("ckpt"), true);
    assertEquals(5, plain.size());
    for (int i = 0; i < plain.size(); i++) {
      assertEquals(plain.get(i), ckpt.get(i), 1e-5, "loss of step " + (i + 1));
    }
    assertTrue(plain.get(4) < plain.get(0), "the loss did not fall: " + plain);
  }

  private static List<Double> sft(Path out, boolean checkpointing) throws Exception {
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel m = model(root)) {
      if (checkpointing) {
        GradientCheckpointing.enable(m);
      }
      LogitsFunction f = (ids, mask, tr) -> m.forward(ids, mask, null, null, tr).logits();
      var src =
          new ListSource<>(
              rows(16, 12, 1),
              4,
              (List<TokenizedExample> l) -> Collators.tokens(l, 0),
              1,
              true,
              false);
      TrainConfig c =
          TrainConfig.builder(out)
              .learningRate(3e-3)
              .warmupSteps(0)
              .gradientAccumulationSteps(2)
              .maxSteps(5)
              .loggingSteps(1)
              .saveSteps(0)
              .build();
      TrainResult r =
          new TrainLoop(c, List.of(), null)
              .run(new TrainTask<>(new SftObjective(f), new FullFineTune(m, null), src, null));
      return r.losses();
    }
  }

  /**
   * Every algorithm's recipe path (objective, model calls, LoRA reference without adapters, PPO's
   * value head on the shared trunk): two steps with and without checkpointing give the same losses
   * and gradient norms.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "dpo/tiny_dpo.yaml|model.use_lora=true|model.lora_dropout=0",
        "reward/tiny_reward.yaml",
        "grpo/tiny_arithmetic.yaml|training.per_device_train_batch_size=16"
            + "|training.max_completion_length=12|training.reward_functions=[]"
            + "|local_reward_function={function: ai.fairl.train.DistinctCharsReward}",
        "ppo/tiny_arithmetic.yaml|training.max_completion_length=8"
      })
  void everyAlgorithmTrainsTheSameWithCheckpointing(String spec, @TempDir Path dir)
      throws Exception {
    String[] parts = spec.split("\\|");
    List<String> keys = new ArrayList<>(List.of("training.max_steps=2", "training.eval_split=0"));
    keys.addAll(List.of(parts).subList(1, parts.length));
    String file = "recipes/training/" + parts[0];
    List<Map<String, Double>> runs = new ArrayList<>();
    for (String on : List.of("false", "true")) {
      List<String> k = new ArrayList<>(keys);
      k.add("training.gradient_checkpointing=" + on);
      TrainResult r =
          TrainingRunTest.run(
              TrainingRunTest.recipe(file, dir.resolve(on), k.toArray(String[]::new)),
              List.of(),
              null);
      assertEquals(2, r.history().size(), file + " with checkpointing " + on);
      runs.add(r.history().get(0));
      runs.add(r.history().get(1));
    }
    for (int i = 0; i < 2; i++) {
      for (String key : List.of("loss", "grad_norm")) {
        double plain = runs.get(i).get(key);
        double ckpt = runs.get(2 + i).get(key);
        assertEquals(
            plain,
            ckpt,
            1e-5 * Math.max(1, Math.abs(plain)),
            file + " step " + (i + 1) + " " + key);
      }
    }
    assertTrue(runs.get(0).get("grad_norm") > 0, file + ": zero gradient proves nothing");
  }

  /** The point of it: the layers' activations are gone before the backward. */
  @Test
  void checkpointingHoldsFewerBytesForTheBackward() {
    long plain = heldBytes(false);
    long ckpt = heldBytes(true);
    // 3 layers of (4, 12, 32) inputs are all a checkpointed forward keeps of its layers
    assertTrue(
        ckpt < plain * 0.6,
        "checkpointed forward holds " + ckpt + " bytes, plain " + plain + ": expected far less");
  }

  private static long heldBytes(boolean checkpointing) {
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel m = model(root)) {
      new FullFineTune(m, null);
      if (checkpointing) {
        GradientCheckpointing.enable(m);
      }
      LogitsFunction f = (ids, mask, tr) -> m.forward(ids, mask, null, null, tr).logits();
      try (NDManager micro = root.newSubManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        TokenBatch b = Collators.tokens(rows(4, 12, 3), 0);
        Objective.Loss l = new SftObjective(f).loss(b, micro, true);
        long bytes = TrainBenchmark.liveBytes(micro);
        gc.backward(l.sum());
        GradientCheckpointing.backwardPending();
        return bytes;
      }
    }
  }
}
