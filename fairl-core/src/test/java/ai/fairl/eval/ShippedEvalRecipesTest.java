package ai.fairl.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.fairl.infer.ApiProvider;
import ai.fairl.infer.FakeProvider;
import ai.fairl.recipe.EvaluationRecipe;
import ai.fairl.recipe.Recipes;
import ai.fairl.recipe.RunOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every shipped evaluation recipe, with its own prompt, dataset id and columns, run through the
 * CLI's entry point against the local OpenAI-compatible server (its model swapped for an API model,
 * 2 questions per subject).
 */
class ShippedEvalRecipesTest {
  private String mirrorBefore;
  private boolean mirrorSet;

  @org.junit.jupiter.api.AfterEach
  void restoreMirror() {
    if (mirrorSet) {
      SharedData.restoreMirror(mirrorBefore);
    }
  }

  @TempDir Path dir;

  static Path root() {
    return Path.of(System.getProperty("fairl.root"));
  }

  @Test
  void everyEvaluationRecipeRunsEndToEnd() throws Exception {
    if (!mirrorSet) {
      mirrorBefore = SharedData.useAsMirror();
      mirrorSet = true;
    }
    List<Path> recipes;
    try (Stream<Path> files = Files.walk(root().resolve("recipes/evaluation"))) {
      recipes = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
    }
    assertTrue(recipes.size() >= 4, "shipped evaluation recipes: " + recipes);
    try (FakeProvider s = FakeProvider.start(ApiProvider.OPENAI)) {
      s.answer =
          p ->
              p.contains("Choose the best option") || p.contains("Answer:") && p.contains("\nA. ")
                  ? "{\"answer\": \"B\"}"
                  : "Let's think. #### 18";
      for (Path f : recipes) {
        Path out = dir.resolve(root().relativize(f).toString().replace(".yaml", ".csv"));
        var ctx = new Recipes.Context(root(), root(), Map.<String, String>of()::get);
        EvaluationRecipe r =
            Recipes.load(
                    f,
                    List.of(
                        "evaluation.model_paths=None",
                        "evaluation.model=gpt-4o-mini",
                        "evaluation.api_endpoint=" + s.endpoint("gpt-4o-mini"),
                        "evaluation.api_key=" + FakeProvider.KEY,
                        "evaluation.max_examples=2",
                        "evaluation.method=generate",
                        "evaluation.output_file=" + out),
                    ctx,
                    EvaluationRecipe.class)
                .recipe();
        EvalResult res =
            Evaluation.run(r, new RunOptions("cpu", 1, 1, 0, "127.0.0.1", 29500, false, f, null));
        boolean mmlu = r.evaluation().datasetName().equals("cais/mmlu");
        int expected = mmlu ? 2 * MmluSubjects.select(r.evaluation().datasetSubset()).size() : 2;
        assertEquals(expected, res.metrics().total(), f.toString());
        assertEquals(
            expected,
            res.metrics().valid(),
            f + ": the recipe's prompt yields extractable answers");
        assertTrue(
            Files.exists(
                out.resolveSibling(
                    out.getFileName().toString().replace(".csv", "-eval-summary.json"))));
        assertEquals(mmlu, res.chart() != null);
      }
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f :
            files
                .filter(Files::isRegularFile)
                .filter(x -> !x.toString().endsWith(".png"))
                .toList()) {
          assertFalse(Files.readString(f).contains(FakeProvider.KEY), "key leaked into " + f);
        }
      }
    }
  }
}
