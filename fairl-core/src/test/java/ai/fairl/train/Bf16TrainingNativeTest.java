/*
 * bf16 mixed-precision training on the CPU: only fairl-native runs bf16 there (stock DJL aborts the
 * JVM on a bf16 tensor), so these tests carry the "native" tag, excluded from the normal build and
 * run by fairl-native/test-cpu.sh. Each asserts it is on fairl-native first.
 */
package ai.fairl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.GradientCollector;
import ai.fairl.data.Collators;
import ai.fairl.data.TokenizedExample;
import ai.fairl.engine.EngineInfo;
import ai.fairl.model.ModelOutput;
import ai.fairl.model.TransformerConfig;
import ai.fairl.model.TransformerModel;
import ai.fairl.model.lora.LoraConfig;
import ai.fairl.model.lora.LoraModel;
import ai.fairl.train.sft.SftObjective;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("native")
class Bf16TrainingNativeTest {

  @BeforeEach
  void onFairlNative() {
    assertTrue(
        EngineInfo.current().isFairlNative(),
        "bf16 training on the CPU needs fairl-native, but DJL runs on "
            + EngineInfo.current().describe());
  }

  private static TransformerModel model(NDManager root) {
    return TransformerModel.create(
        TransformerConfig.tiny("llama", 64, 32, 2), root, DataType.FLOAT32, 3);
  }

  private static List<Double> train(TransformerModel m, Trainable t, Path out, int steps, double lr)
      throws Exception {
    LogitsFunction f = (ids, mask, tr) -> m.forward(ids, mask, null, null, tr).logits();
    var src =
        new ListSource<>(
            GradientCheckpointingTest.rows(16, 12, 1),
            4,
            (List<TokenizedExample> l) -> Collators.tokens(l, 0),
            1,
            true,
            false);
    TrainConfig c =
        TrainConfig.builder(out)
            .learningRate(lr)
            .warmupSteps(0)
            .gradientAccumulationSteps(1)
            .maxSteps(steps)
            .loggingSteps(1)
            .saveSteps(0)
            .build();
    return new TrainLoop(c, List.of(), null)
        .run(new TrainTask<>(new SftObjective(f), t, src, null))
        .losses();
  }

  @Test
  void fullFineTuningInBf16LowersTheLossOverFp32Masters(@TempDir Path out) throws Exception {
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel m = model(root)) {
      FullFineTune t = new FullFineTune(m, null);
      m.setComputeType(DataType.BFLOAT16);
      try (NDManager step = root.newSubManager()) {
        NDArray ids = step.create(new long[][] {{1, 2, 3, 4}});
        ModelOutput o = m.forward(ids, null, null, null, false);
        assertEquals(DataType.BFLOAT16, o.hiddenStates().getDataType(), "forward not in bf16");
        assertEquals(DataType.FLOAT32, o.logits().getDataType());
      }
      List<Double> losses = train(m, t, out, 12, 3e-3);
      assertTrue(losses.get(11) < losses.get(0) - 0.3, "bf16 loss did not fall: " + losses);
      for (Map.Entry<String, NDArray> e : t.parameters().entrySet()) {
        assertEquals(DataType.FLOAT32, e.getValue().getDataType(), e.getKey() + " master");
      }
      assertGradientsFp32(m, t);
    }
  }

  /** One backward in bf16 compute: every trainable tensor's gradient is fp32 and not all zero. */
  private static void assertGradientsFp32(TransformerModel m, Trainable t) {
    LogitsFunction f = (ids, mask, tr) -> m.forward(ids, mask, null, null, tr).logits();
    try (NDManager micro = m.manager().newSubManager();
        GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      TokenBatch b = Collators.tokens(GradientCheckpointingTest.rows(2, 10, 5), 0);
      gc.backward(new SftObjective(f).loss(b, micro, true).sum());
      GradientCheckpointing.backwardPending();
      double total = 0;
      for (Map.Entry<String, NDArray> e : t.parameters().entrySet()) {
        NDArray g = e.getValue().getGradient();
        assertEquals(DataType.FLOAT32, g.getDataType(), e.getKey() + " gradient");
        total += g.abs().sum().getFloat();
      }
      assertTrue(total > 0, "every gradient is zero");
      gc.zeroGradients();
    }
  }

  @Test
  void bf16LoraWithCheckpointingMatchesFp32Closely(@TempDir Path out) throws Exception {
    LoraConfig lc = new LoraConfig(4, 8, 0, List.of("q_proj", "v_proj"), null, null, null);
    List<Double> fp32;
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel m = model(root);
        LoraModel lm = LoraModel.inject(m, lc, 1, "t")) {
      fp32 = train(m, lm, out.resolve("fp32"), 6, 1e-2);
    }
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel m = model(root);
        LoraModel lm = LoraModel.inject(m, lc, 1, "t")) {
      m.setComputeType(DataType.BFLOAT16);
      GradientCheckpointing.enable(m);
      List<Double> bf16 = train(m, lm, out.resolve("bf16"), 6, 1e-2);
      for (int i = 0; i < fp32.size(); i++) {
        assertEquals(fp32.get(i), bf16.get(i), 0.05, "loss of step " + (i + 1) + " (bf16 vs fp32)");
      }
      assertTrue(bf16.get(5) < bf16.get(0), "bf16 LoRA loss did not fall: " + bf16);
      for (Map.Entry<String, NDArray> e : lm.parameters().entrySet()) {
        assertEquals(DataType.FLOAT32, e.getValue().getDataType(), e.getKey() + " master");
      }
      assertGradientsFp32(m, lm);
    }
  }
}
