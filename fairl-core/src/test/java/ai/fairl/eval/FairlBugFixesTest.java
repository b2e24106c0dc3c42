package ai.fairl.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.fairl.infer.ApiProvider;
import ai.fairl.infer.Completion;
import ai.fairl.infer.FakeProvider;
import ai.fairl.infer.GenerationParams;
import ai.fairl.infer.Prompt;
import ai.fairl.infer.TextGenerator;
import ai.fairl.recipe.EvaluationRecipe;
import ai.fairl.recipe.Recipes;
import ai.fairl.recipe.RunOptions;
import ai.fairl.train.StopSignal;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FAI-RL's inference and evaluation bugs (reference section 12), one test each. */
class FairlBugFixesTest {
  private String mirrorBefore;
  private boolean mirrorSet;

  @org.junit.jupiter.api.AfterEach
  void restoreMirror() {
    if (mirrorSet) {
      SharedData.restoreMirror(mirrorBefore);
    }
  }

  @TempDir Path dir;
  final PrintStream console =
      new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

  EvaluationRecipe gsm8kRecipe(FakeProvider s, int n) {
    if (!mirrorSet) {
      mirrorBefore = SharedData.useAsMirror();
      mirrorSet = true;
    }
    return Recipes.load(
            null,
            List.of(
                "evaluation.dataset_name=openai/gsm8k",
                "evaluation.dataset_subset=main",
                "evaluation.dataset_columns=[question, answer]",
                "evaluation.system_prompt='Question: {question}'",
                "evaluation.model=gpt-4o-mini",
                "evaluation.api_endpoint=" + s.endpoint("gpt-4o-mini"),
                "evaluation.api_key=" + FakeProvider.KEY,
                "evaluation.max_examples=" + n,
                "evaluation.output_file=" + dir.resolve("out/gsm8k.csv")),
            new Recipes.Context(Path.of("."), Path.of("."), k -> null),
            EvaluationRecipe.class)
        .recipe();
  }

  @Test
  void b1_evaluationRunsFromARecipe() throws Exception {
    // FAI-RL read config.split_mode, which EvaluationConfig lacks: fai-rl-eval raised
    // AttributeError.
    try (FakeProvider s = FakeProvider.start(ApiProvider.OPENAI)) {
      s.answer = p -> "#### 18";
      EvalResult r = Evaluation.run(gsm8kRecipe(s, 3), RunOptions.cpu());
      assertEquals(new Metrics(3, 1, 3), r.metrics(), "only the first problem's answer is 18");
      assertTrue(Files.exists(dir.resolve("out/gsm8k-eval.csv")));
    }
  }

  @Test
  void b5_openAiRepliesAreReadAsChatCompletions() throws Exception {
    // FAI-RL parsed OpenAI replies as Anthropic's content[0].text: every response was "".
    try (FakeProvider s = FakeProvider.start(ApiProvider.OPENAI)) {
      s.answer = p -> "The answer is 42";
      EvalResult r = Evaluation.run(gsm8kRecipe(s, 2), RunOptions.cpu());
      assertEquals("The answer is 42", r.records().get(0).response());
      assertEquals("42", r.records().get(0).prediction());
    }
  }

  @Test
  void b9_summariesHoldNoApiKey() throws Exception {
    // FAI-RL wrote config.to_dict(), api_key included, into <output>_summary.json.
    try (FakeProvider s = FakeProvider.start(ApiProvider.OPENAI)) {
      Evaluation.run(gsm8kRecipe(s, 2), RunOptions.cpu());
      for (String f :
          List.of(
              "gsm8k_summary.json",
              "gsm8k-eval-summary.json",
              "gsm8k.jsonl",
              "gsm8k.csv",
              "gsm8k-eval.csv")) {
        String text = Files.readString(dir.resolve("out/" + f));
        assertFalse(text.contains(FakeProvider.KEY), f);
        assertFalse(text.contains("\"api_key\""), f);
      }
    }
  }

  @Test
  void b10_aFailedRowIsInvalidAndTheRowsAfterItKeepTheirAnswers() {
    // FAI-RL dropped a failed row from the CSV, then matched predictions to ground truth by
    // position: a length-mismatch error, or every later row shifted by one.
    EvalSpec spec =
        EvalSpec.builder()
            .model("m")
            .dataset(SharedData.dir().resolve("gsm8k").toString(), null, "test")
            .outputFile(dir.resolve("b10.csv"))
            .maxExamples(5)
            .params(GenerationParams.greedy(8))
            .build();
    List<Evaluation.Question> qs = Evaluation.questions(spec);
    TextGenerator g =
        new TextGenerator() {
          @Override
          public String name() {
            return "m";
          }

          @Override
          public int batchSize() {
            return 5;
          }

          @Override
          public List<Completion> generate(List<Prompt> prompts, GenerationParams params) {
            List<Completion> out = new ArrayList<>();
            for (Prompt p : prompts) {
              Evaluation.Question q =
                  qs.stream().filter(x -> x.prompt().equals(p.user())).findFirst().orElseThrow();
              out.add(
                  q.index() == 1
                      ? Completion.failed("HTTP 500")
                      : Completion.ok("#### " + q.groundTruth(), 1, 1));
            }
            return out;
          }
        };
    EvalResult r = Evaluation.run(spec, (p, b) -> g, null, k -> null, new StopSignal(), console);
    assertEquals(new Metrics(5, 4, 4), r.metrics());
    assertFalse(r.records().get(1).valid());
    assertTrue(r.records().get(2).correct() && r.records().get(4).correct());
  }
}
