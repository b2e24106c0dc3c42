package ai.fairl.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.fairl.infer.ApiProvider;
import ai.fairl.infer.Completion;
import ai.fairl.infer.Csv;
import ai.fairl.infer.FakeProvider;
import ai.fairl.infer.GenerationParams;
import ai.fairl.infer.ModelLoader;
import ai.fairl.infer.Prompt;
import ai.fairl.infer.TextGenerator;
import ai.fairl.train.StopSignal;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.Table;

/** Scoring on scripted model outputs whose accuracy is known by construction. */
class EvaluationTest {
  @TempDir Path dir;
  final ByteArrayOutputStream consoleBytes = new ByteArrayOutputStream();
  final PrintStream console = new PrintStream(consoleBytes, true, StandardCharsets.UTF_8);
  static final String[] LETTERS = {"A", "B", "C", "D"};

  /** A model that answers each prompt by looking up its question index. */
  static final class Scripted implements TextGenerator {
    final String name;
    final Map<String, Evaluation.Question> byPrompt;
    final BiFunction<Integer, String, String> answer; // (index, gold) -> response, null = failure
    int calls;

    Scripted(
        String name, List<Evaluation.Question> qs, BiFunction<Integer, String, String> answer) {
      this.name = name;
      this.byPrompt = new HashMap<>();
      qs.forEach(q -> byPrompt.put(q.prompt(), q));
      this.answer = answer;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public int batchSize() {
      return 16;
    }

    @Override
    public List<Completion> generate(List<Prompt> prompts, GenerationParams params) {
      calls++;
      List<Completion> out = new ArrayList<>();
      for (Prompt p : prompts) {
        Evaluation.Question q = byPrompt.get(p.user());
        assertTrue(q != null, "unexpected prompt: " + p.user());
        assertFalse(p.chat(), "evaluation prompts are flat");
        String a = answer.apply(q.index(), q.groundTruth());
        out.add(
            a == null ? Completion.failed("scripted request failure") : Completion.ok(a, 10, 3));
      }
      return out;
    }
  }

  static String wrong(String gold) {
    return LETTERS[("ABCD".indexOf(gold) + 1) % 4];
  }

  /** Correct in three phrasings for i % 5 < 3, a wrong letter for 3, no answer for 4. */
  static String mmluStyle(int i, String gold) {
    return switch (i % 5) {
      case 0 -> "The answer is (" + gold + ")";
      case 1 -> "{\"answer\": \"" + gold + "\"}";
      case 2 -> " " + gold + ". because";
      case 3 -> "Answer: " + wrong(gold);
      default -> "I am not sure.";
    };
  }

  EvalSpec.Builder mmluSpec() {
    return EvalSpec.builder()
        .dataset(SharedData.dir().resolve("mmlu").toString(), "abstract_algebra,anatomy", "test")
        .outputFile(dir.resolve("outputs/mmlu.csv"))
        .params(GenerationParams.greedy(10));
  }

  @Test
  void mmluTwoSubjectsTwoCheckpointsScoredByRowNotByPosition() throws Exception {
    EvalSpec spec = mmluSpec().modelPaths(List.of("ckpt/good", "ckpt/flaky")).build();
    List<Evaluation.Question> qs = Evaluation.questions(spec);
    assertEquals(235, qs.size());
    ModelLoader loader =
        (path, batch) ->
            new Scripted(
                path,
                qs,
                path.endsWith("good")
                    ? EvaluationTest::mmluStyle
                    : (i, gold) -> i % 3 == 0 ? null : "The answer is " + gold);
    EvalResult r = Evaluation.run(spec, loader, null, k -> null, new StopSignal(), console);

    int correct = 0, valid = 0, flakyOk = 0;
    for (int i = 0; i < 235; i++) {
      correct += i % 5 < 3 ? 1 : 0;
      valid += i % 5 < 4 ? 1 : 0;
      flakyOk += i % 3 != 0 ? 1 : 0;
    }
    assertEquals(new Metrics(235, correct, valid), r.overall().get("ckpt/good"));
    assertEquals(
        new Metrics(235, flakyOk, flakyOk),
        r.overall().get("ckpt/flaky"),
        "failed requests are invalid predictions; the rows after them keep their answers (B10)");
    int aaCorrect = 0;
    for (int i = 0; i < 100; i++) {
      aaCorrect += i % 5 < 3 ? 1 : 0;
    }
    assertEquals(aaCorrect, r.bySubject().get("ckpt/good").get("abstract_algebra").correct());
    assertEquals(Map.of("STEM", r.overall().get("ckpt/good")), r.byCategory().get("ckpt/good"));

    Table t = r.table();
    assertEquals(2 * (1 + 1 + 2), t.rowCount());
    assertEquals(
        List.of(
            "checkpoint",
            "scope",
            "name",
            "total",
            "correct",
            "valid",
            "overall_accuracy",
            "valid_accuracy",
            "extraction_success_rate"),
        t.columnNames());

    List<List<String>> csv = Csv.read(spec.evalCsv());
    assertEquals(
        List.of(
            "question",
            "choices",
            "answer",
            "subject",
            "checkpoint",
            "prediction",
            "ground_truth",
            "correct"),
        csv.get(0));
    assertEquals(1 + 2 * 235, csv.size());
    assertEquals(
        List.of("['0', '4', '2', '6']", "1", "abstract_algebra", "ckpt/good", "B", "B", "True"),
        csv.get(1).subList(1, 8));
    assertEquals(List.of("ckpt/flaky", "", "B", "False"), csv.get(2).subList(4, 8));
    JsonObject sum = JsonParser.parseString(Files.readString(spec.evalSummary())).getAsJsonObject();
    JsonObject good = sum.getAsJsonObject("metrics").getAsJsonObject("ckpt/good");
    assertEquals((double) correct / 235, good.get("overall_accuracy").getAsDouble(), 1e-12);
    assertEquals((double) correct / valid, good.get("valid_accuracy").getAsDouble(), 1e-12);
    assertEquals((double) valid / 235, good.get("extraction_success_rate").getAsDouble(), 1e-12);
    assertEquals(235 - valid, good.get("invalid_predictions").getAsInt());
    assertTrue(sum.getAsJsonObject("per_subject").getAsJsonObject("ckpt/flaky").has("anatomy"));
    assertEquals("lm-evaluation-harness", sum.get("prompt").getAsString());
    byte[] png = Files.readAllBytes(spec.subjectsChart());
    assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G'}, java.util.Arrays.copyOf(png, 4));
    assertTrue(
        Files.exists(dir.resolve("outputs/mmlu.csv"))
            && Files.exists(dir.resolve("outputs/mmlu_summary.json")));
    assertTrue(consoleBytes.toString(StandardCharsets.UTF_8).contains("overall_accuracy"));

    // a rerun finds every answer in mmlu.jsonl (failed rows excepted) and opens only the flaky
    // model
    List<String> opened = new ArrayList<>();
    ModelLoader again =
        (path, batch) -> {
          opened.add(path);
          return new Scripted(path, qs, (i, gold) -> "The answer is " + gold);
        };
    EvalResult r2 = Evaluation.run(spec, again, null, k -> null, new StopSignal(), console);
    assertEquals(List.of("ckpt/flaky"), opened);
    assertEquals(235, r2.overall().get("ckpt/flaky").correct());
    assertEquals(r.overall().get("ckpt/good"), r2.overall().get("ckpt/good"));
  }

  @Test
  void gsm8kFiftyQuestionsWithKnownAccuracy() throws Exception {
    EvalSpec spec =
        EvalSpec.builder()
            .dataset(SharedData.dir().resolve("gsm8k").toString(), null, "test")
            .outputFile(dir.resolve("gsm8k.csv"))
            .model("local/tiny")
            .maxExamples(50)
            .params(GenerationParams.greedy(256))
            .build();
    List<Evaluation.Question> qs = Evaluation.questions(spec);
    assertEquals(50, qs.size());
    int expectCorrect = 0;
    for (int i = 0; i < 50; i++) {
      String gold = qs.get(i).groundTruth();
      expectCorrect += i < 30 || (i < 40 && gold.equals("1000")) ? 1 : 0;
    }
    BiFunction<Integer, String, String> script =
        (i, gold) ->
            i < 10
                ? "Let me compute. 3 + 4 = 7.\n#### " + gold
                : i < 20
                    ? "{\"answer\": \"$" + gold + ".00\"}"
                    : i < 30
                        ? "The final answer is " + gold + "."
                        : i < 40 ? "The answer is 1,000." : "I don't know.";
    EvalResult r =
        Evaluation.run(
            spec,
            (p, b) -> new Scripted(p, qs, script),
            null,
            k -> null,
            new StopSignal(),
            console);
    assertEquals(new Metrics(50, expectCorrect, 40), r.metrics());
    assertEquals(null, r.chart());
    List<List<String>> csv = Csv.read(spec.evalCsv());
    assertEquals(
        List.of("question", "answer", "prediction", "ground_truth", "correct"), csv.get(0));
    assertEquals("18", csv.get(1).get(3));
  }

  @Test
  void fairlTemplatePromptRendersLabelledChoices() {
    EvalSpec spec =
        mmluSpec()
            .model("m")
            .systemPrompt(
                "Question: {question}\nChoose the best option and respond only with the letter of your choice.\n\n{choices}\n\n"
                    + "Please respond **only in valid JSON format** with the following keys:\n{{\n  \"answer\": \"<the letter>\"\n}}\n")
            .build();
    Evaluation.Question q = Evaluation.questions(spec).get(0);
    assertEquals(
        "Question: Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.\n"
            + "Choose the best option and respond only with the letter of your choice.\n\n"
            + "A. 0\nB. 4\nC. 2\nD. 6\n\n"
            + "Please respond **only in valid JSON format** with the following keys:\n{\n  \"answer\": \"<the letter>\"\n}\n",
        q.prompt());
  }

  @Test
  void fewShotPromptsComeFromTheDevSplit() {
    EvalSpec spec = mmluSpec().model("m").numFewshot(2).build();
    String p = Evaluation.questions(spec).get(0).prompt();
    assertTrue(
        p.startsWith(
            "The following are multiple choice questions (with answers) about abstract algebra.\n\n"
                + "Find all c in Z_3 such that Z_3[x]/(x^2 + c) is a field.\nA. 0\nB. 1\nC. 2\nD. 3\nAnswer: B\n\n"),
        p);
    assertEquals(3, p.split("Answer:", -1).length - 1);
  }

  @Test
  void logLikelihoodScoringPicksTheLikeliestLetter() {
    EvalSpec spec = mmluSpec().model("tiny").scoring(EvalSpec.Scoring.LOGLIKELIHOOD).build();
    List<Evaluation.Question> qs = Evaluation.questions(spec);
    Map<String, Evaluation.Question> byPrompt = new HashMap<>();
    qs.forEach(q -> byPrompt.put(q.prompt(), q));
    ScorerLoader scorers =
        path ->
            new ChoiceScorer() {
              @Override
              public String name() {
                return path;
              }

              @Override
              public double[] logLikelihoods(String context, List<String> continuations) {
                assertEquals(List.of(" A", " B", " C", " D"), continuations);
                Evaluation.Question q = byPrompt.get(context);
                int gold = "ABCD".indexOf(q.groundTruth());
                int pick = q.index() % 2 == 0 ? gold : (gold + 2) % 4;
                double[] ll = {-3, -3, -3, -3};
                ll[pick] = -0.5;
                return ll;
              }
            };
    EvalResult r = Evaluation.run(spec, null, scorers, k -> null, new StopSignal(), console);
    assertEquals(new Metrics(235, 118, 235), r.metrics());
  }

  @Test
  void apiEvaluationEndToEndAgainstTheLocalServer() throws Exception {
    try (FakeProvider s = FakeProvider.start(ApiProvider.OPENAI)) {
      EvalSpec spec =
          mmluSpec()
              .model("gpt-4o-mini")
              .api(s.endpoint("gpt-4o-mini"), null, "openai")
              .numFewshot(1)
              .build();
      Map<String, String> gold = new HashMap<>();
      Evaluation.questions(spec).forEach(q -> gold.put(q.prompt(), q.groundTruth()));
      s.answer = prompt -> "The correct answer is (" + gold.get(prompt) + ").";
      EvalResult r =
          Evaluation.run(
              spec,
              null,
              null,
              Map.of("OPENAI_API_KEY", FakeProvider.KEY)::get,
              new StopSignal(),
              console);
      assertEquals(new Metrics(235, 235, 235), r.metrics());
      assertEquals(235, s.prompts.size());
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f :
            files
                .filter(Files::isRegularFile)
                .filter(f -> !f.toString().endsWith(".png"))
                .toList()) {
          assertFalse(Files.readString(f).contains(FakeProvider.KEY), "key leaked into " + f);
        }
      }
      JsonObject inf =
          JsonParser.parseString(Files.readString(dir.resolve("outputs/mmlu_summary.json")))
              .getAsJsonObject();
      assertEquals("api", inf.get("inference_type").getAsString());
    }
  }

  @Test
  void badEvaluationRecipesAreExplained() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                mmluSpec()
                    .model("gpt-4o")
                    .api("https://api.openai.com/v1/chat/completions", "k", null)
                    .scoring(EvalSpec.Scoring.LOGLIKELIHOOD)
                    .build());
    assertTrue(e.getMessage().contains("loglikelihood needs a local model"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> mmluSpec().model("m").dataset("org/squad", null, "test").build());
    assertTrue(e.getMessage().contains("set evaluation.benchmark"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class, () -> mmluSpec().model("m").numFewshot(6).build());
    assertTrue(e.getMessage().contains("5 questions per subject"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Evaluation.questions(
                    mmluSpec().model("m").datasetColumns(List.of("question", "options")).build()));
    assertTrue(e.getMessage().contains("dataset_columns names options"), e.getMessage());
  }
}
