package ai.fairl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.fairl.data.ChatRenderer;
import ai.fairl.data.Collators;
import ai.fairl.data.Example;
import ai.fairl.data.SftExamples;
import ai.fairl.data.TokenizedExample;
import ai.fairl.model.Tokenizer;
import ai.fairl.model.TransformerConfig;
import ai.fairl.model.TransformerModel;
import ai.fairl.model.lora.LoraConfig;
import ai.fairl.model.lora.LoraModel;
import ai.fairl.train.sft.SftObjective;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The loop with the real transformer: flat memory, and chat masking with a real template. */
class TransformerTrainingTest {

  @Test
  void liveArraysStayFlatOverManyLoraSteps(@TempDir Path out) throws Exception {
    List<Integer> counts = new ArrayList<>();
    TrainListener probe =
        new TrainListener() {
          @Override
          public void onStep(int step, double epoch, Map<String, Double> m) {
            if (step == 5 || step == 40) {
              counts.add(TrainLoopTest.liveArrays());
            }
          }
        };
    try (NDManager root = NDManager.newBaseManager();
        TransformerModel m =
            TransformerModel.create(
                TransformerConfig.tiny("qwen3", 16, 32, 2), root, DataType.FLOAT32, 1)) {
      LoraModel lm =
          LoraModel.inject(
              m, new LoraConfig(4, 8, 0.1, List.of("q_proj", "v_proj"), null, null, null), 1, "t");
      LogitsFunction f = (ids, mask, tr) -> m.forward(ids, mask, null, null, tr).logits();
      var src =
          new ListSource<>(
              QualityTest.markov(32, 12, 1),
              4,
              (List<TokenizedExample> l) -> Collators.tokens(l, 0),
              1,
              true,
              false);
      TrainConfig c =
          TrainConfig.builder(out)
              .learningRate(1e-3)
              .warmupSteps(0)
              .gradientAccumulationSteps(2)
              .maxSteps(40)
              .loggingSteps(1)
              .saveSteps(0)
              .build();
      new TrainLoop(c, List.of(probe), null)
          .run(new TrainTask<>(new SftObjective(f), lm, src, null));
      assertEquals(2, counts.size());
      assertEquals(counts.get(0), counts.get(1), "live NDArrays grew between step 5 and 40");
      lm.close();
    }
  }

  @Test
  void chatRowsWithTheQwen3TemplateTrainOnAssistantTurnsOnly() throws Exception {
    Path dir = Path.of(System.getProperty("fairl.root"), "build/fixtures/tokenizers/qwen3");
    assertTrue(
        Files.isRegularFile(dir.resolve("tokenizer.json")),
        dir + " is missing: run scripts/fetch-fixtures.sh");
    try (Tokenizer tok = Tokenizer.load(dir)) {
      ChatRenderer chat = Training.chat(tok);
      Map<String, Object> row =
          Map.of(
              "messages",
              List.of(
                  Map.of("role", "user", "content", "What is 2+2?"),
                  Map.of("role", "assistant", "content", "4"),
                  Map.of("role", "user", "content", "And 3+3?"),
                  Map.of("role", "assistant", "content", "6")));
      Example e =
          SftExamples.sft("t", List.of(row), new SftExamples.Settings(null, null, null, null), chat)
              .examples()
              .get(0);
      TokenizedExample t = TokenizedExample.of(e, Training.encoder(tok), 0);
      StringBuilder trained = new StringBuilder();
      List<Long> ids = new ArrayList<>();
      for (int i = 0; i < t.length(); i++) {
        if (t.trained()[i]) {
          ids.add(t.ids()[i]);
        }
      }
      trained.append(tok.decode(ids.stream().mapToLong(Long::longValue).toArray(), false));
      String s = trained.toString();
      assertTrue(s.contains("4<|im_end|>") && s.contains("6<|im_end|>"), s);
      assertTrue(!s.contains("What is") && !s.contains("<|im_start|>user"), s);
    }
  }
}
