package ai.fairl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.fairl.generate.GenerateMain;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ModelsTest {
  @TempDir Path tmp;

  @Test
  void tinySourcesSaveAsDirectoriesThatLoadBackWithTheirTokenizer() {
    try (NDManager m = NDManager.newBaseManager()) {
      for (String f : new String[] {"llama", "qwen2", "qwen3", "mistral"}) {
        try (Models.Loaded a = Models.load("tiny:" + f, m, DataType.FLOAT32, 5)) {
          assertEquals(
              Tokenizers.charLevelVocabSize(Models.TINY_ALPHABET), a.model().config().vocabSize());
          Models.save(a, tmp.resolve(f));
          try (Models.Loaded b = Models.load(tmp.resolve(f).toString(), m, DataType.FLOAT32, 0)) {
            assertNotNull(b.tokenizer());
            long[] ids = b.tokenizer().encode("Hi there!\n", false);
            assertArrayEquals(a.tokenizer().encode("Hi there!\n", false), ids);
            assertEquals("Hi there!\n", b.tokenizer().decode(ids, true));
            NDArray x = m.create(ids, new Shape(1, ids.length));
            assertArrayEquals(
                a.model().forward(x, null, null, null, false).logits().toFloatArray(),
                b.model().forward(x, null, null, null, false).logits().toFloatArray());
          }
        }
      }
    }
  }

  @Test
  void aCausalCheckpointLoadsAsARewardModelWithItsBackbone() {
    try (NDManager m = NDManager.newBaseManager();
        Models.Loaded a = Models.load("tiny:llama", m, DataType.FLOAT32, 5)) {
      a.model().save(tmp.resolve("lm"));
      try (TransformerModel rm =
          TransformerModel.loadForSequenceClassification(
              tmp.resolve("lm"), 1, m, DataType.FLOAT32, 3)) {
        assertEquals("LlamaForSequenceClassification", rm.config().architecture());
        String k = "model.layers.1.mlp.up_proj.weight";
        assertArrayEquals(
            a.model().parameters().get(k).toFloatArray(), rm.parameters().get(k).toFloatArray());
        NDArray ids = m.create(new long[] {0, 0, 5, 6, 7, 8, 9, 10}, new Shape(2, 4));
        NDArray mask = m.create(new long[] {0, 0, 1, 1, 1, 1, 1, 1}, new Shape(2, 4));
        ai.fairl.model.ModelOutput out = rm.forward(ids, mask, null, null, false);
        assertEquals(new Shape(2, 1), out.logits().getShape());
        // the score reads the last token: row 0 alone (unpadded) gives the same value
        float alone =
            rm.forward(m.create(new long[] {5, 6}, new Shape(1, 2)), null, null, null, false)
                .logits()
                .getFloat(0, 0);
        assertEquals(alone, out.logits().getFloat(0, 0), 1e-5);
        rm.save(tmp.resolve("rm"));
        try (TransformerModel back =
            TransformerModel.load(tmp.resolve("rm"), m, DataType.FLOAT32)) {
          assertArrayEquals(
              out.logits().toFloatArray(),
              back.forward(ids, mask, null, null, false).logits().toFloatArray());
        }
      }
    }
  }

  @Test
  void charTokenizerHandlesUnknownsAndSpecials() {
    try (Tokenizer t = Tokenizers.charLevel("ab")) {
      assertArrayEquals(new long[] {4, 5, 3, 4}, t.encode("abza", false));
      assertEquals(2L, t.tokenId("</s>"));
      assertEquals(List.of(2L), t.eosTokenIds());
      assertEquals(0L, t.padTokenId());
      assertEquals("ab", t.decode(new long[] {1, 4, 5, 2, 0}, true));
    }
  }

  /**
   * Gradients reach every base parameter (training builds on this), and the layer hook sees every
   * layer.
   */
  @Test
  void backwardReachesEveryParameterAndTheLayerHookRunsEachLayer() {
    try (NDManager m = NDManager.newBaseManager();
        TransformerModel model =
            TransformerModel.create(
                TransformerConfig.tiny("qwen3", 40, 32, 2), m, DataType.FLOAT32, 1)) {
      model.setRequiresGrad(true);
      List<Integer> seen = new ArrayList<>();
      model.setLayerHook(
          (i, h, block) -> {
            seen.add(i);
            return block.apply(h);
          });
      try (NDManager step = m.newSubManager();
          GradientCollector gc = Engine.getInstance().newGradientCollector()) {
        NDArray ids = step.create(new long[] {1, 2, 3, 4, 5, 6}, new Shape(2, 3));
        NDArray loss =
            model.forward(ids, null, null, null, true).logits().logSoftmax(-1).mean().neg();
        gc.backward(loss);
      }
      assertEquals(List.of(0, 1), seen);
      for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
        float[] g = e.getValue().getGradient().toFloatArray();
        double norm = 0;
        for (float v : g) {
          norm += v * v;
        }
        assertTrue(norm > 0, "no gradient for " + e.getKey());
      }
      model.setRequiresGrad(false);
    }
  }

  @Test
  void bf16OnCpuFallsBackToFp32AndFp16Runs() {
    try (NDManager m = NDManager.newBaseManager()) {
      PrintStream old = System.err;
      ByteArrayOutputStream err = new ByteArrayOutputStream();
      System.setErr(new PrintStream(err));
      try (TransformerModel bf =
          TransformerModel.create(
              TransformerConfig.tiny("llama", 40, 32, 1), m, DataType.BFLOAT16, 1)) {
        assertEquals(DataType.FLOAT32, bf.dtype());
      } finally {
        System.setErr(old);
      }
      assertTrue(
          err.toString().contains("bf16") && err.toString().contains("fp32"), err.toString());
      TransformerConfig c = TransformerConfig.tiny("qwen2", 40, 32, 2);
      try (TransformerModel f32 = TransformerModel.create(c, m, DataType.FLOAT32, 1);
          TransformerModel f16 = TransformerModel.create(c, m, DataType.FLOAT16, 1)) {
        assertEquals(DataType.FLOAT16, f16.dtype());
        NDArray ids = m.create(new long[] {3, 1, 4, 1, 5}, new Shape(1, 5));
        float[] a = f32.forward(ids, null, null, null, false).logits().toFloatArray();
        float[] b = f16.forward(ids, null, null, null, false).logits().toFloatArray();
        for (int i = 0; i < a.length; i++) {
          assertEquals(a[i], b[i], 2e-2, "fp16 logit " + i);
        }
      }
    }
  }

  @Test
  void generateCommandRunsOnALocalDirectory() throws Exception {
    try (NDManager m = NDManager.newBaseManager();
        Models.Loaded a = Models.load("tiny:qwen2", m, DataType.FLOAT32, 9)) {
      Models.save(a, tmp.resolve("dir"));
    }
    assertTrue(Files.isRegularFile(tmp.resolve("dir/tokenizer.json")));
    PrintStream old = System.out;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    System.setOut(new PrintStream(out, true));
    int rc;
    try {
      rc =
          new CommandLine(new GenerateMain())
              .execute(
                  "--model",
                  tmp.resolve("dir").toString(),
                  "--prompt",
                  "2+2=",
                  "--max-new-tokens",
                  "6",
                  "--stop",
                  "\u0000never");
    } finally {
      System.setOut(old);
    }
    assertEquals(0, rc);
    assertTrue(out.size() > 0);
  }
}
