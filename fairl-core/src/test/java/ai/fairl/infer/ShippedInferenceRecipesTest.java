package ai.fairl.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.fairl.recipe.InferenceRecipe;
import ai.fairl.recipe.Recipes;
import ai.fairl.recipe.RunOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The shipped inference recipes, run through the recipe loader and the CLI's entry point. */
class ShippedInferenceRecipesTest {
  @TempDir Path dir;

  static Path root() {
    String r = System.getProperty("fairl.root");
    assertTrue(r != null, "system property fairl.root is not set (the parent pom sets it)");
    return Path.of(r);
  }

  @ParameterizedTest
  @CsvSource({
    "api_openai.yaml, OPENAI, OPENAI_API_KEY, gpt-4o-mini",
    "api_anthropic.yaml, ANTHROPIC, ANTHROPIC_API_KEY, claude-3-5-haiku-latest",
    "api_gemini.yaml, GOOGLE, GEMINI_API_KEY, gemini-2.0-flash"
  })
  void apiRecipesRunAgainstTheLocalServer(String file, ApiProvider p, String var, String model)
      throws Exception {
    Path recipe = root().resolve("recipes/inference/" + file);
    try (FakeProvider s = FakeProvider.start(p)) {
      Path out = dir.resolve("out/" + file.replace(".yaml", ".csv"));
      var ctx = new Recipes.Context(root(), root(), Map.of(var, FakeProvider.KEY)::get);
      InferenceRecipe r =
          Recipes.load(
                  recipe,
                  List.of(
                      "inference.api_endpoint=" + s.endpoint(model),
                      "inference.dataset_name=" + root().resolve("recipes/data/inference_tiny.csv"),
                      "inference.output_file=" + out),
                  ctx,
                  InferenceRecipe.class)
              .recipe();
      InferenceResult res = Inference.run(r, RunOptions.cpu());
      assertTrue(res.complete());
      int rows = Csv.read(root().resolve("recipes/data/inference_tiny.csv")).size() - 1;
      assertEquals(rows, res.succeeded());
      assertEquals(rows, s.prompts.size());
      assertTrue(s.prompts.get(0).contains("Your persona: "), s.prompts.get(0));
      try (Stream<Path> files = Files.walk(dir)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          assertFalse(Files.readString(f).contains(FakeProvider.KEY), "key leaked into " + f);
        }
      }
    }
  }

  @Test
  void localModelRecipesRunWithTheirPromptsAgainstTheLocalServer() throws Exception {
    // The recipes for real checkpoints (a 3B model is no CI test) keep their prompts, columns and
    // modes; only the model is swapped for the local OpenAI-compatible server.
    try (FakeProvider s = FakeProvider.start(ApiProvider.OPENAI);
        Stream<Path> files = Files.list(root().resolve("recipes/inference"))) {
      var ctx =
          new Recipes.Context(
              root(),
              root(),
              Map.of("OPENAI_API_KEY", "k", "ANTHROPIC_API_KEY", "k", "GEMINI_API_KEY", "k")::get);
      int ran = 0;
      for (Path f : files.filter(x -> x.toString().endsWith(".yaml")).sorted().toList()) {
        InferenceRecipe original = Recipes.load(f, List.of(), ctx, InferenceRecipe.class).recipe();
        if (original.inference().apiEndpoint() != null
            || original.inference().model() != null
                && original.inference().model().startsWith("tiny:")) {
          continue;
        }
        Path out = dir.resolve("swap/" + f.getFileName().toString().replace(".yaml", ".csv"));
        InferenceRecipe r =
            Recipes.load(
                    f,
                    List.of(
                        "inference.model_paths=None",
                        "inference.model=gpt-4o-mini",
                        "inference.api_endpoint=" + s.endpoint("gpt-4o-mini"),
                        "inference.api_key=" + FakeProvider.KEY,
                        "inference.dataset_name="
                            + root().resolve("recipes/data/inference_tiny.csv"),
                        "inference.output_file=" + out),
                    ctx,
                    InferenceRecipe.class)
                .recipe();
        InferenceResult res = Inference.run(r, RunOptions.cpu());
        assertTrue(res.complete() && res.failed() == 0, f.toString());
        ran++;
      }
      assertTrue(ran >= 2, "local-model inference recipes run: " + ran);
    }
  }

  @Test
  void hostedLlmConfigNamesAJavaHookInTheRecipe() throws Exception {
    try (FakeProvider s = FakeProvider.start(ApiProvider.HOSTED)) {
      s.gateway = true;
      var ctx =
          new Recipes.Context(root(), root(), Map.of("OPENAI_API_KEY", FakeProvider.KEY)::get);
      InferenceRecipe r =
          Recipes.load(
                  root().resolve("recipes/inference/api_openai.yaml"),
                  List.of(
                      "inference.provider=default",
                      "inference.model=scripted",
                      "inference.hosted_llm_config=" + GatewayHook.class.getName(),
                      "inference.api_concurrency=2",
                      "inference.api_endpoint=" + s.endpoint("scripted"),
                      "inference.dataset_name=" + root().resolve("recipes/data/inference_tiny.csv"),
                      "inference.output_file=" + dir.resolve("gw.csv")),
                  ctx,
                  InferenceRecipe.class)
              .recipe();
      InferenceResult res = Inference.run(r, RunOptions.cpu());
      assertEquals(res.rows().size(), res.succeeded());
      assertTrue(res.rows().get(0).response().startsWith("echo: "));
    }
  }

  @Test
  void everyShippedInferenceRecipeMapsToAValidSpec() throws Exception {
    try (Stream<Path> files = Files.list(root().resolve("recipes/inference"))) {
      List<Path> recipes = files.filter(f -> f.toString().endsWith(".yaml")).sorted().toList();
      assertFalse(recipes.isEmpty());
      var ctx =
          new Recipes.Context(
              root(),
              root(),
              Map.of("OPENAI_API_KEY", "k", "ANTHROPIC_API_KEY", "k", "GEMINI_API_KEY", "k")::get);
      for (Path f : recipes) {
        InferenceRecipe r = Recipes.load(f, List.of(), ctx, InferenceRecipe.class).recipe();
        InferenceSpec spec = RecipeRuns.spec(r.inference());
        assertEquals(r.inference().outputFile(), spec.outputFile().toString(), f.toString());
      }
    }
  }
}
