package ai.fairl.model;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Writes what this project saves, for tools/golden/check_saved.py to load with Python's
 * transformers/safetensors/tokenizers: every golden case loaded and saved again (sharded for one
 * case), and a tiny model with the character tokenizer. Run: {@code java -cp <test classpath>
 * ai.fairl.model.SavedModelFixture OUT_DIR}.
 */
public final class SavedModelFixture {
  private SavedModelFixture() {}

  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    String[] cases = {
      "llama3_gqa_tied",
      "llama2_mha_untied_bias",
      "qwen2_tied",
      "qwen3_headdim_untied",
      "mistral_sliding",
      "qwen2_seqcls"
    };
    try (NDManager m = NDManager.newBaseManager()) {
      for (String c : cases) {
        try (TransformerModel model =
            TransformerModel.load(GoldenParityTest.golden(c), m, DataType.FLOAT32)) {
          model.save(out.resolve(c), c.startsWith("qwen3") ? 40_000 : 0);
        }
      }
      try (Models.Loaded tiny = Models.load("tiny:qwen3", m, DataType.FLOAT32, 1)) {
        Models.save(tiny, out.resolve("tiny_qwen3"));
        long[] ids = tiny.tokenizer().encode("Hi there!\n", false);
        Files.writeString(out.resolve("tiny_qwen3/expected_ids.json"), Arrays.toString(ids));
      }
    }
  }
}
