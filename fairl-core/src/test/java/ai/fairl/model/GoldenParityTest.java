package ai.fairl.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.fairl.generate.GenerationConfig;
import ai.fairl.generate.GenerationResult;
import ai.fairl.generate.Generator;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Parity with Hugging Face transformers 5.17 (fixtures by tools/golden/make_golden.py): logits
 * within 1e-4 on every non-pad position, identical greedy continuations, and a save/load round
 * trip.
 */
class GoldenParityTest {
  @TempDir Path tmp;

  static Path golden(String name) throws Exception {
    Path p =
        Paths.get(GoldenParityTest.class.getResource("/golden/" + name + "/config.json").toURI())
            .getParent();
    assertTrue(Files.isRegularFile(p.resolve("golden.safetensors")), "missing fixture " + p);
    return p;
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "llama3_gqa_tied",
        "llama2_mha_untied_bias",
        "qwen2_tied",
        "qwen3_headdim_untied",
        "mistral_sliding",
        "qwen2_seqcls"
      })
  void logitsAndGreedyMatchTransformers(String name) throws Exception {
    Path dir = golden(name);
    try (NDManager m = NDManager.newBaseManager();
        TransformerModel model = TransformerModel.load(dir, m, DataType.FLOAT32)) {
      Map<String, NDArray> g = Safetensors.load(dir.resolve("golden.safetensors"), m);
      NDArray ids = g.get("input_ids");
      NDArray mask = g.get("attention_mask");
      float[] want = g.get("logits").toFloatArray();
      // default position ids (cumsum of the mask) must equal the fixture's
      float[] got = model.forward(ids, mask, null, null, false).logits().toFloatArray();
      float[] gotExplicit =
          model.forward(ids, mask, g.get("position_ids"), null, false).logits().toFloatArray();
      assertArrayEquals(got, gotExplicit);
      assertEquals(want.length, got.length);
      long[] maskv = mask.toLongArray();
      int seq = (int) ids.getShape().get(1);
      int per =
          model.config().isSequenceClassification() ? want.length : want.length / maskv.length;
      double maxDiff = 0;
      for (int i = 0; i < want.length; i++) {
        if (!model.config().isSequenceClassification() && maskv[i / per] == 0) {
          continue; // transformers leaves padded query rows undefined
        }
        maxDiff = Math.max(maxDiff, Math.abs(want[i] - got[i]));
      }
      assertTrue(maxDiff <= 1e-4, name + ": max |logit diff| = " + maxDiff);
      if (g.containsKey("greedy")) {
        long[] wantGreedy = g.get("greedy").toLongArray();
        int newTokens = wantGreedy.length / 2;
        long[] idv = ids.toLongArray();
        long[][] prompts = new long[2][];
        for (int r = 0; r < 2; r++) {
          int start = 0;
          while (maskv[r * seq + start] == 0) {
            start++;
          }
          prompts[r] = java.util.Arrays.copyOfRange(idv, r * seq + start, (r + 1) * seq);
        }
        GenerationResult res =
            new Generator(model, null).generate(prompts, GenerationConfig.greedy(newTokens), null);
        for (int r = 0; r < 2; r++) {
          assertArrayEquals(
              java.util.Arrays.copyOfRange(wantGreedy, r * newTokens, (r + 1) * newTokens),
              res.tokens().get(r),
              name + " row " + r);
        }
      }
      model.save(tmp.resolve(name));
      try (TransformerModel back = TransformerModel.load(tmp.resolve(name), m, DataType.FLOAT32)) {
        assertArrayEquals(got, back.forward(ids, mask, null, null, false).logits().toFloatArray());
      }
    }
  }
}
