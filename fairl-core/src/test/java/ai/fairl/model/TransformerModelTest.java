package ai.fairl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TransformerModelTest {
  @TempDir Path tmp;

  @ParameterizedTest
  @ValueSource(strings = {"llama", "qwen2", "qwen3", "mistral"})
  void forwardShapesAndSaveLoadRoundTripIsBitExact(String family) {
    TransformerConfig c = TransformerConfig.tiny(family, 97, 32, 2);
    try (NDManager m = NDManager.newBaseManager();
        TransformerModel model = TransformerModel.create(c, m, DataType.FLOAT32, 7)) {
      NDArray ids = m.create(new long[] {1, 2, 3, 4, 5, 6, 7, 8}, new Shape(2, 4));
      float[] logits = model.forward(ids, null, null, null, false).logits().toFloatArray();
      assertEquals(2 * 4 * 97, logits.length);
      model.save(tmp.resolve(family));
      try (TransformerModel back =
          TransformerModel.load(tmp.resolve(family), m, DataType.FLOAT32)) {
        assertEquals(c, back.config());
        for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
          assertArrayEquals(
              e.getValue().toByteArray(),
              back.parameters().get(e.getKey()).toByteArray(),
              e.getKey());
        }
        float[] again = back.forward(ids, null, null, null, false).logits().toFloatArray();
        assertArrayEquals(logits, again);
      }
    }
  }

  @Test
  void seededInitIsReproducibleAndSeedSensitive() {
    TransformerConfig c = TransformerConfig.tiny("qwen3", 64, 32, 1);
    try (NDManager m = NDManager.newBaseManager();
        TransformerModel a = TransformerModel.create(c, m, DataType.FLOAT32, 1);
        TransformerModel b = TransformerModel.create(c, m, DataType.FLOAT32, 1);
        TransformerModel d = TransformerModel.create(c, m, DataType.FLOAT32, 2)) {
      String k = "model.layers.0.self_attn.q_proj.weight";
      assertArrayEquals(a.parameters().get(k).toFloatArray(), b.parameters().get(k).toFloatArray());
      assertTrue(
          !java.util.Arrays.equals(
              a.parameters().get(k).toFloatArray(), d.parameters().get(k).toFloatArray()));
      assertEquals(
          c.parameterCount(), a.parameters().values().stream().mapToLong(NDArray::size).sum());
    }
  }

  @Test
  void leftPaddingDoesNotChangeTheRealTokensLogits() {
    TransformerConfig c = TransformerConfig.tiny("llama", 50, 32, 2);
    try (NDManager m = NDManager.newBaseManager();
        TransformerModel model = TransformerModel.create(c, m, DataType.FLOAT32, 3)) {
      NDArray plain = m.create(new long[] {5, 6, 7}, new Shape(1, 3));
      NDArray padded = m.create(new long[] {0, 0, 5, 6, 7}, new Shape(1, 5));
      NDArray mask = m.create(new long[] {0, 0, 1, 1, 1}, new Shape(1, 5));
      float[] a = model.forward(plain, null, null, null, false).logits().toFloatArray();
      float[] b =
          model.forward(padded, mask, null, null, false).logits().get(":, 2:, :").toFloatArray();
      for (int i = 0; i < a.length; i++) {
        assertEquals(a[i], b[i], 1e-5, "logit " + i);
      }
    }
  }

  @Test
  void kvCacheStepsMatchTheFullForward() {
    TransformerConfig c = TransformerConfig.tiny("qwen2", 50, 32, 2);
    try (NDManager m = NDManager.newBaseManager();
        TransformerModel model = TransformerModel.create(c, m, DataType.FLOAT32, 3)) {
      long[] toks = {3, 9, 4, 1, 8, 2};
      float[] full =
          model
              .forward(m.create(toks, new Shape(1, 6)), null, null, null, false)
              .logits()
              .toFloatArray();
      int weights = model.manager().getManagedArrays().size();
      try (KvCache cache = model.newCache(m)) {
        model.forward(m.create(new long[] {3, 9, 4}, new Shape(1, 3)), null, null, cache, false);
        for (int t = 3; t < 6; t++) {
          NDArray mask = m.ones(new Shape(1, t + 1), DataType.INT64);
          float[] step =
              model
                  .forward(
                      m.create(new long[] {toks[t]}, new Shape(1, 1)), mask, null, cache, false)
                  .logits()
                  .toFloatArray();
          for (int v = 0; v < 50; v++) {
            assertEquals(full[t * 50 + v], step[v], 1e-5);
          }
        }
        assertEquals(6, cache.length());
        // the cache holds exactly keys and values per layer: no per-step garbage joins it
        assertEquals(2 * c.numLayers(), cache.managedArrays());
        assertEquals(weights, model.manager().getManagedArrays().size());
      }
    }
  }

  /**
   * A store that computes its dense weight (like NF4): nothing it creates may stay on the model.
   */
  @Test
  void computedWeightStoresLeaveNothingBehindAndQuantisedProjectionsLeaveTheParameterList() {
    TransformerConfig c = TransformerConfig.tiny("llama", 50, 32, 1);
    try (NDManager m = NDManager.newBaseManager();
        TransformerModel model = TransformerModel.create(c, m, DataType.FLOAT32, 3)) {
      NDArray ids = m.create(new long[] {1, 2, 3}, new Shape(1, 3));
      float[] before = model.forward(ids, null, null, null, false).logits().toFloatArray();
      Linear q = model.linears().get("model.layers.0.self_attn.q_proj");
      NDArray base = ((PlainWeightStore) q.weightStore()).weight();
      q.setWeightStore(
          new WeightStore() {
            @Override
            public NDArray dense(DataType t) {
              return base.mul(2f).div(2f); // two new arrays per call, on the model's manager
            }

            @Override
            public long storageBytes() {
              return 0;
            }

            @Override
            public void close() {}
          });
      int weights = model.manager().getManagedArrays().size();
      for (int i = 0; i < 3; i++) {
        try (NDManager step = m.newSubManager()) {
          float[] now =
              model
                  .forward(
                      step.create(new long[] {1, 2, 3}, new Shape(1, 3)), null, null, null, false)
                  .logits()
                  .toFloatArray();
          assertArrayEquals(before, now);
        }
      }
      assertEquals(weights, model.manager().getManagedArrays().size());
      assertTrue(!model.parameters().containsKey("model.layers.0.self_attn.q_proj.weight"));
      assertThrows(IllegalStateException.class, () -> model.save(tmp.resolve("q")));
    }
  }

  @Test
  void unsupportedArchitectureIsNamed() {
    String json = "{\"architectures\":[\"GPT2LMHeadModel\"],\"vocab_size\":10}";
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> TransformerConfig.fromJson(json, "x/config.json"));
    assertTrue(
        e.getMessage().contains("GPT2LMHeadModel")
            && e.getMessage().contains("LlamaForCausalLM")
            && e.getMessage().contains("x/config.json"),
        e.getMessage());
  }

  @Test
  void qwenPerLayerSlidingWindowIsRefusedAndMistralsIsRead() {
    String qwen =
        "{\"architectures\":[\"Qwen2ForCausalLM\"],\"vocab_size\":10,\"hidden_size\":8,\"intermediate_size\":8,"
            + "\"num_hidden_layers\":1,\"num_attention_heads\":2,\"use_sliding_window\":true,\"sliding_window\":4}";
    String msg =
        assertThrows(
                IllegalArgumentException.class,
                () -> TransformerConfig.fromJson(qwen, "q/config.json"))
            .getMessage();
    assertTrue(msg.contains("use_sliding_window") && msg.contains("q/config.json"), msg);
    String mistral = qwen.replace("Qwen2ForCausalLM", "MistralForCausalLM");
    assertEquals(4, TransformerConfig.fromJson(mistral, "m").slidingWindow());
    String llama = qwen.replace("Qwen2ForCausalLM", "LlamaForCausalLM");
    assertEquals(0, TransformerConfig.fromJson(llama, "l").slidingWindow());
  }

  @Test
  void configJsonRoundTrip() throws Exception {
    for (String n : new String[] {"Qwen2.5-0.5B", "Llama-3.2-1B", "Llama-3.2-3B", "Llama-3-8B"}) {
      TransformerConfig c = TransformerConfig.named(n);
      assertEquals(c, TransformerConfig.fromJson(c.toJson(), n));
    }
    TransformerConfig seq =
        TransformerConfig.tiny("qwen2", 40).withArchitecture("Qwen2ForSequenceClassification", 1);
    assertEquals(seq, TransformerConfig.fromJson(seq.toJson(), "seq"));
    Files.writeString(tmp.resolve("config.json"), TransformerConfig.named("Llama-3-8B").toJson());
    assertEquals(8030261248L, TransformerConfig.load(tmp).parameterCount());
  }

  @Test
  void randomDrawsCreatesDistributionOnTheDeviceAndRepeatsWithItsSeed() {
    TransformerConfig c = TransformerConfig.tiny("qwen2", 97, 32, 2); // q/k/v biases
    try (NDManager m = NDManager.newBaseManager();
        TransformerModel a = TransformerModel.random(c, m, DataType.FLOAT32, 5);
        TransformerModel b = TransformerModel.random(c, m, DataType.FLOAT32, 5);
        TransformerModel other = TransformerModel.random(c, m, DataType.FLOAT32, 6)) {
      assertEquals(TransformerModel.expectedShapes(c).keySet(), a.parameters().keySet());
      for (Map.Entry<String, NDArray> e : a.parameters().entrySet()) {
        String name = e.getKey();
        float[] v = e.getValue().toFloatArray();
        assertEquals(DataType.FLOAT32, e.getValue().getDataType(), name);
        assertArrayEquals(v, b.parameters().get(name).toFloatArray(), name + ": same seed");
        if (name.endsWith("norm.weight")) {
          for (float x : v) {
            assertEquals(1f, x, name);
          }
        } else if (name.endsWith(".bias")) {
          for (float x : v) {
            assertEquals(0f, x, name);
          }
        }
      }
      float[] w = a.parameters().get("model.embed_tokens.weight").toFloatArray();
      double sq = 0;
      for (float x : w) {
        sq += x * (double) x;
      }
      double std = Math.sqrt(sq / w.length);
      assertEquals(c.initializerRange(), std, 0.1 * c.initializerRange(), "weight std");
      assertTrue(
          !java.util.Arrays.equals(
              w, other.parameters().get("model.embed_tokens.weight").toFloatArray()),
          "another seed, other weights");
    }
  }
}
