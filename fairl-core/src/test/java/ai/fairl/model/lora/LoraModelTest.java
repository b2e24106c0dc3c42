package ai.fairl.model.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.fairl.model.Safetensors;
import ai.fairl.model.TransformerConfig;
import ai.fairl.model.TransformerModel;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoraModelTest {
  static final LoraConfig CFG =
      new LoraConfig(
          4, 8, 0.0, List.of("q_proj", "v_proj", "down_proj"), null, null, LoraConfig.Bias.NONE);

  static float[] logits(TransformerModel m, NDManager scope) {
    NDArray ids = scope.create(new long[] {3, 7, 1, 9, 4, 2}, new Shape(2, 3));
    return m.forward(ids, null, null, null, false).logits().toFloatArray();
  }

  /** Gives B random values so the adapter changes the output. */
  static void perturb(LoraModel lm) {
    java.util.Random r = new java.util.Random(5);
    for (LoraAdapter a : lm.adapters().values()) {
      float[] b = new float[(int) a.b().size()];
      for (int i = 0; i < b.length; i++) {
        b[i] = (float) (r.nextGaussian() * 0.05);
      }
      a.b().set(b);
    }
  }

  static void assertClose(float[] a, float[] b, float tol) {
    assertEquals(a.length, b.length);
    for (int i = 0; i < a.length; i++) {
      assertEquals(a[i], b[i], tol, "index " + i);
    }
  }

  @Test
  void peftMatchingRules() {
    assertTrue(CFG.adapts("model.layers.0.self_attn.q_proj"));
    assertFalse(CFG.adapts("model.layers.0.self_attn.k_proj"));
    LoraConfig exList =
        new LoraConfig(
            8, 16, 0, List.of("q_proj"), List.of("layers.1.self_attn.q_proj"), null, null);
    assertTrue(exList.adapts("model.layers.0.self_attn.q_proj"));
    assertFalse(exList.adapts("model.layers.1.self_attn.q_proj"));
    LoraConfig exRegex =
        new LoraConfig(8, 16, 0, List.of("q_proj"), null, ".*layers\\.0\\..*", null);
    assertFalse(exRegex.adapts("model.layers.0.self_attn.q_proj"));
    assertTrue(exRegex.adapts("model.layers.1.self_attn.q_proj"));
    LoraConfig notFull = new LoraConfig(8, 16, 0, List.of("q_proj"), null, "layers\\.0", null);
    assertTrue(
        notFull.adapts("model.layers.0.self_attn.q_proj"), "regex must match the whole name");
    assertEquals(
        "model.lora_bias must be none, all or lora_only, got 'some'",
        assertThrows(IllegalArgumentException.class, () -> LoraConfig.Bias.parse("some"))
            .getMessage());
  }

  @Test
  void freshAdapterIsIdentityMergeEqualsUnmergedAndDisabledIsTheBase() {
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel m =
            TransformerModel.create(
                TransformerConfig.tiny("llama", 32), root, DataType.FLOAT32, 1)) {
      float[] base = logits(m, root);
      LoraModel lm = LoraModel.inject(m, CFG, 7, "tiny");
      assertEquals(2 * 3 * 2, lm.parameters().size(), "A and B on 3 modules in 2 layers");
      assertClose(base, logits(m, root), 0f); // B = 0
      perturb(lm);
      float[] adapted = logits(m, root);
      assertFalse(java.util.Arrays.equals(base, adapted));
      lm.setAdaptersEnabled(false);
      assertClose(base, logits(m, root), 0f);
      lm.setAdaptersEnabled(true);
      lm.merge();
      assertTrue(m.adapterParameters().isEmpty());
      assertClose(adapted, logits(m, root), 1e-5f);
    }
  }

  @Test
  void peftFormatRoundTripsAndLoadsToContinueTraining(@TempDir Path dir) throws Exception {
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel m =
            TransformerModel.create(
                TransformerConfig.tiny("qwen2", 32), root, DataType.FLOAT32, 1);
        TransformerModel m2 =
            TransformerModel.create(
                TransformerConfig.tiny("qwen2", 32), root, DataType.FLOAT32, 1)) {
      LoraConfig withBias =
          new LoraConfig(
              4, 8, 0.05, List.of("q_proj", "v_proj"), null, null, LoraConfig.Bias.LORA_ONLY);
      LoraModel lm = LoraModel.inject(m, withBias, 7, "Qwen/Qwen2-tiny");
      perturb(lm);
      lm.save(dir);
      float[] expected = logits(m, root);
      JsonObject cfg =
          JsonParser.parseString(Files.readString(dir.resolve("adapter_config.json")))
              .getAsJsonObject();
      assertEquals("LORA", cfg.get("peft_type").getAsString());
      assertEquals("CAUSAL_LM", cfg.get("task_type").getAsString());
      assertEquals(4, cfg.get("r").getAsInt());
      assertEquals("lora_only", cfg.get("bias").getAsString());
      assertEquals("Qwen/Qwen2-tiny", cfg.get("base_model_name_or_path").getAsString());
      Map<String, Safetensors.Entry> keys =
          Safetensors.readHeader(dir.resolve("adapter_model.safetensors")).entries();
      assertTrue(
          keys.containsKey("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"),
          keys.keySet().toString());
      assertTrue(
          keys.containsKey("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight"));
      assertTrue(
          keys.containsKey("base_model.model.model.layers.0.self_attn.q_proj.bias"),
          "lora_only bias saved");
      assertTrue(LoraModel.isAdapterDir(dir));
      LoraModel back = LoraModel.loadPeft(m2, dir);
      assertEquals(lm.parameters().keySet(), back.parameters().keySet());
      assertTrue(
          back.parameters().values().stream().allMatch(NDArray::hasGradient), "trainable again");
      assertClose(expected, logits(m2, root), 1e-6f);
    }
  }

  @Test
  void targetsThatMatchNothingAreAnError() {
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel m =
            TransformerModel.create(
                TransformerConfig.tiny("llama", 32), root, DataType.FLOAT32, 1)) {
      LoraConfig bad = new LoraConfig(4, 8, 0, List.of("c_attn"), null, null, null);
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> LoraModel.inject(m, bad, 1, "x"));
      assertTrue(e.getMessage().contains("match no projection"), e.getMessage());
      assertTrue(e.getMessage().contains("q_proj"), e.getMessage());
    }
  }

  @Test
  void qloraBaseStaysCloseAndSavesMemory() {
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel m =
            TransformerModel.create(
                TransformerConfig.tiny("llama", 32), root, DataType.FLOAT32, 1)) {
      float[] base = logits(m, root);
      long[] bytes = LoraModel.quantize4bit(m, QuantType.NF4, true);
      assertTrue(
          bytes[1] * 7 < bytes[0], "4-bit is under 1/7 of fp32: " + bytes[0] + " -> " + bytes[1]);
      float[] q = logits(m, root);
      double dot = 0;
      double nb = 0;
      double nq = 0;
      for (int i = 0; i < base.length; i++) {
        dot += base[i] * q[i];
        nb += base[i] * base[i];
        nq += q[i] * q[i];
      }
      // Each 4-bit weight is off by ~10% of its block's scale; the logits keep their direction.
      double cosine = dot / Math.sqrt(nb * nq);
      assertTrue(cosine > 0.98, "NF4 logits cosine to fp32 " + cosine);
      LoraModel lm = LoraModel.inject(m, CFG, 3, "tiny");
      perturb(lm);
      float[] adapted = logits(m, root);
      lm.merge(); // dequantises the adapted projections
      assertClose(adapted, logits(m, root), 1e-4f);
    }
  }
}
