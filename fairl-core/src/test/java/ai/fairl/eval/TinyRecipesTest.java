package ai.fairl.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.fairl.infer.Csv;
import ai.fairl.infer.Inference;
import ai.fairl.infer.InferenceResult;
import ai.fairl.recipe.EvaluationRecipe;
import ai.fairl.recipe.InferenceRecipe;
import ai.fairl.recipe.Recipes;
import ai.fairl.recipe.RunOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The shipped tiny recipes on the tiny local model, shortened for CI (fewer rows and tokens; the
 * output file moved).
 */
class TinyRecipesTest {
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

  static RunOptions options(Path recipe) {
    return new RunOptions("cpu", 1, 1, 0, "127.0.0.1", 29500, false, recipe, null);
  }

  @Test
  void tinyLocalInference() {
    Path f = root().resolve("recipes/inference/tiny_local.yaml");
    Path out = dir.resolve("tiny_local.csv");
    InferenceRecipe r =
        Recipes.load(
                f,
                List.of("inference.output_file=" + out, "inference.max_new_tokens=4"),
                Recipes.Context.defaults(),
                InferenceRecipe.class)
            .recipe();
    InferenceResult res = Inference.run(r, options(f));
    assertTrue(res.complete());
    assertEquals(20, res.succeeded());
    assertEquals(List.of("persona", "prompt", "response"), Csv.read(out).get(0));
    assertTrue(
        res.rows().stream().allMatch(x -> x.completionTokens() >= 1 && x.completionTokens() <= 4));
  }

  @Test
  void tinyMmluByLogLikelihoodAndTinyGsm8k() throws Exception {
    if (!mirrorSet) {
      mirrorBefore = SharedData.useAsMirror();
      mirrorSet = true;
    }
    Path f = root().resolve("recipes/evaluation/mmlu/tiny_mmlu.yaml");
    Path out = dir.resolve("tiny_mmlu.csv");
    EvaluationRecipe r =
        Recipes.load(
                f,
                List.of("evaluation.output_file=" + out, "evaluation.max_examples=6"),
                Recipes.Context.defaults(),
                EvaluationRecipe.class)
            .recipe();
    EvalResult res = Evaluation.run(r, options(f));
    assertEquals(6, res.metrics().total());
    assertEquals(6, res.metrics().valid(), "log-likelihood always picks a letter");
    assertTrue(Files.exists(dir.resolve("tiny_mmlu-eval-subjects.png")));

    Path g = root().resolve("recipes/evaluation/gsm8k/tiny_gsm8k.yaml");
    Path gout = dir.resolve("tiny_gsm8k.csv");
    EvaluationRecipe gr =
        Recipes.load(
                g,
                List.of(
                    "evaluation.output_file=" + gout,
                    "evaluation.max_examples=4",
                    "evaluation.max_new_tokens=4"),
                Recipes.Context.defaults(),
                EvaluationRecipe.class)
            .recipe();
    EvalResult gres = Evaluation.run(gr, options(g));
    assertEquals(4, gres.metrics().total());
    assertEquals(5, Csv.read(dir.resolve("tiny_gsm8k-eval.csv")).size());
  }
}
