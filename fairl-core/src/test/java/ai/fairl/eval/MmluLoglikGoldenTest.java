package ai.fairl.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.fairl.infer.LocalGenerator;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Per-choice log-likelihoods against transformers 5.17 (fixture golden/mmlu_loglik, made by
 * tools/golden/mmlu_loglik.py from inputs written by {@link LoglikGoldenInputs}): our harness
 * prompt is the one the script wrote, our tokens are its tokens, and our batched scorer's
 * log-likelihoods match within 1e-4, for the one-pass letter path and for multi-token choice texts.
 */
class MmluLoglikGoldenTest {
  static Path fixture() throws Exception {
    Path p =
        Path.of(MmluLoglikGoldenTest.class.getResource("/golden/mmlu_loglik/expected.json").toURI())
            .getParent();
    assertTrue(Files.isRegularFile(p.resolve("model/model.safetensors")), "missing " + p);
    return p;
  }

  static MmluQuestion question(JsonObject o) {
    List<String> choices = new ArrayList<>();
    o.getAsJsonArray("choices").forEach(c -> choices.add(c.getAsString()));
    return new MmluQuestion(
        o.get("subject").getAsString(),
        o.get("question").getAsString(),
        choices,
        o.get("answer").getAsInt());
  }

  @Test
  void scorerMatchesTransformersPerChoice() throws Exception {
    Path dir = fixture();
    JsonArray inputs =
        JsonParser.parseString(Files.readString(dir.resolve("questions.json"))).getAsJsonArray();
    JsonArray cases =
        JsonParser.parseString(Files.readString(dir.resolve("expected.json")))
            .getAsJsonObject()
            .getAsJsonArray("cases");
    assertEquals(10, cases.size());
    List<String> contexts = new ArrayList<>();
    List<List<String>> continuations = new ArrayList<>();
    List<double[]> want = new ArrayList<>();
    try (LocalGenerator g = LocalGenerator.open(dir.resolve("model").toString(), 1, 0)) {
      for (int i = 0; i < cases.size(); i++) {
        JsonObject in = inputs.get(i).getAsJsonObject();
        JsonObject c = cases.get(i).getAsJsonObject();
        assertEquals(in.get("id").getAsString(), c.get("id").getAsString());
        List<MmluQuestion> shots = new ArrayList<>();
        in.getAsJsonArray("shots").forEach(s -> shots.add(question(s.getAsJsonObject())));
        MmluQuestion q = question(in.getAsJsonObject("question"));
        String context = EvalPrompts.mmlu(q, shots);
        assertEquals(c.get("context").getAsString(), context, "prompt of " + c.get("id"));
        long[] ids = new long[c.getAsJsonArray("context_token_ids").size()];
        for (int k = 0; k < ids.length; k++) {
          ids[k] = c.getAsJsonArray("context_token_ids").get(k).getAsLong();
        }
        assertArrayEquals(ids, g.tokenizer().encode(context, false), "tokens of " + c.get("id"));
        contexts.add(context);
        List<String> conts = new ArrayList<>();
        c.getAsJsonArray("continuations").forEach(e -> conts.add(e.getAsString()));
        if (!in.get("score_choice_texts").getAsBoolean()) {
          assertEquals(EvalPrompts.mmluContinuations(q.choices().size()), conts);
        }
        continuations.add(conts);
        JsonArray ll = c.getAsJsonArray("loglikelihoods");
        double[] w = new double[ll.size()];
        int k = 0;
        for (JsonElement e : ll) {
          w[k++] = e.getAsDouble();
        }
        want.add(w);
      }
    }
    try (LocalScorer s = LocalScorer.open(dir.resolve("model").toString(), 0, 4)) {
      // all ten in one call: batches of four, mixing the letter rows and the choice-text rows
      List<double[]> got = new ArrayList<>();
      for (int from = 0; from < contexts.size(); from += s.batchSize()) {
        int to = Math.min(contexts.size(), from + s.batchSize());
        got.addAll(s.logLikelihoods(contexts.subList(from, to), continuations.subList(from, to)));
      }
      for (int i = 0; i < want.size(); i++) {
        assertEquals(want.get(i).length, got.get(i).length);
        for (int k = 0; k < want.get(i).length; k++) {
          assertEquals(
              want.get(i)[k],
              got.get(i)[k],
              1e-4,
              cases.get(i).getAsJsonObject().get("id").getAsString()
                  + " "
                  + continuations.get(i).get(k));
        }
      }
    }
  }
}
