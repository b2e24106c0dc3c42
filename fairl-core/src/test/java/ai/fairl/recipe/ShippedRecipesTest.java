package ai.fairl.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every recipe under recipes/ loads, validates, documents each key, and survives a round trip. */
class ShippedRecipesTest {

  static Path root() {
    return Path.of(System.getProperty("fairl.root"));
  }

  /** API recipes read keys from the environment; give them fake ones. */
  static Recipes.Context ctx() {
    Map<String, String> env =
        Map.of(
            "OPENAI_API_KEY",
            "sk-test",
            "ANTHROPIC_API_KEY",
            "ak-test",
            "GEMINI_API_KEY",
            "g-test");
    return new Recipes.Context(root(), root(), env::get);
  }

  static Stream<Path> recipes() throws IOException {
    try (Stream<Path> s = Files.walk(root().resolve("recipes"))) {
      return s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList().stream();
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("recipes")
  void loadsAndValidates(Path file) {
    Resolved<? extends Recipe> r = Recipes.any(file, List.of(), ctx());
    String kind = root().relativize(file).getName(1).toString();
    assertEquals(kind, r.recipe().kind(), "folder and kind agree: " + file);
    if (r.recipe() instanceof TrainingRecipe t) {
      assertEquals(
          file.getParent().getFileName().toString(),
          t.training().algorithm(),
          "one folder per algorithm");
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("recipes")
  void everyKeyHasAnInlineComment(Path file) throws IOException {
    List<String> bare = new ArrayList<>();
    int blockIndent = -1; // inside a block scalar (key: |), lines indented deeper are text
    for (String line : Files.readAllLines(file)) {
      String t = line.strip();
      int indent = line.length() - line.stripLeading().length();
      if (blockIndent >= 0) {
        if (t.isEmpty() || indent > blockIndent) {
          continue;
        }
        blockIndent = -1;
      }
      if (t.matches("(- )?[A-Za-z_][A-Za-z0-9_]*: [|>][-+]?(\\s+#.*)?")) {
        blockIndent = indent;
      }
      boolean keyLine = t.matches("(- )?[A-Za-z_][A-Za-z0-9_]*:.*") && !t.startsWith("#");
      boolean section = t.matches("[A-Za-z_]+:"); // a section header, documented above it
      if (keyLine && !section && !line.contains(" # ")) {
        bare.add(line);
      }
    }
    assertTrue(bare.isEmpty(), file + " has keys without a comment: " + bare);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("recipes")
  void renderedRecipeLoadsToTheSameRecords(Path file) {
    Resolved<? extends Recipe> r = Recipes.any(file, List.of(), ctx());
    Resolved<? extends Recipe> again = Recipes.parse(r.render(), "rendered", List.of(), ctx());
    if (r.recipe() instanceof InferenceRecipe || r.recipe() instanceof EvaluationRecipe) {
      boolean secret = r.render().contains(Secrets.MASK);
      if (secret) {
        return; // the key itself is masked; the other keys are compared by the training case
      }
    }
    assertEquals(r.recipe(), again.recipe(), file.toString());
  }

  @Test
  void theSeedsPathsExist() {
    for (String p :
        List.of(
            "recipes/training/sft/llama3_3B_lora.yaml",
            "recipes/training/dpo/llama3_3B_lora.yaml",
            "recipes/inference/llama3_3B.yaml",
            "recipes/evaluation/mmlu/llama3_3B.yaml",
            "recipes/training/grpo/tiny_arithmetic.yaml")) {
      assertTrue(Files.isRegularFile(root().resolve(p)), p);
    }
  }

  @Test
  void everyAlgorithmHasATinyRecipe() throws IOException {
    for (String algo : Training.ALGORITHMS) {
      try (Stream<Path> s = Files.list(root().resolve("recipes/training").resolve(algo))) {
        assertTrue(
            s.anyMatch(p -> p.getFileName().toString().startsWith("tiny_")),
            "recipes/training/" + algo + " needs a tiny_*.yaml");
      }
    }
  }

  @Test
  void apiRecipesTakeKeysFromTheEnvironmentAndNeverPrintThem() throws IOException {
    try (Stream<Path> s = Files.list(root().resolve("recipes/inference"))) {
      for (Path p : s.filter(f -> f.getFileName().toString().startsWith("api_")).toList()) {
        assertTrue(
            Files.readString(p).contains("${env:"), p + " reads its key from the environment");
        String shown = Recipes.any(p, List.of(), ctx()).render();
        assertFalse(shown.contains("-test"), shown);
        assertTrue(shown.contains("api_key: \"***\""), shown);
      }
    }
  }
}
