package ai.fairl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.fairl.model.TransformerModel;
import ai.fairl.recipe.Recipes;
import ai.fairl.recipe.RunOptions;
import ai.fairl.recipe.TrainingRecipe;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every shipped tiny SFT, CPT, DPO and reward recipe trains two steps end to end. */
class TinyRecipesTest {
  static Path root() {
    String r = System.getProperty("fairl.root");
    if (r == null) {
      throw new IllegalStateException("system property fairl.root is not set (Surefire sets it)");
    }
    return Path.of(r);
  }

  static Stream<Path> recipes() throws Exception {
    List<Path> found;
    try (Stream<Path> s = Files.walk(root().resolve("recipes/training"))) {
      found =
          s.filter(p -> p.getFileName().toString().startsWith("tiny_"))
              .filter(
                  p -> {
                    String algo = p.getParent().getFileName().toString();
                    return List.of("sft", "cpt", "dpo", "reward", "grpo", "gspo", "ppo")
                        .contains(algo);
                  })
              .sorted()
              .toList();
    }
    assertTrue(found.size() >= 7, "expected a tiny recipe per algorithm, found " + found);
    return found.stream();
  }

  @ParameterizedTest
  @MethodSource("recipes")
  void runsTwoSteps(Path recipe, @TempDir Path out) throws Exception {
    TrainingRecipe r =
        Recipes.training(
                recipe,
                List.of(
                    "training.max_steps=2",
                    "training.save_steps=1",
                    "training.output_dir=" + out,
                    "wandb.enabled=false"))
            .recipe();
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    TrainResult res =
        Training.run(
            r,
            RunOptions.cpu(),
            List.of(),
            new StopSignal(),
            new PrintStream(buf, true, StandardCharsets.UTF_8));
    String log = buf.toString(StandardCharsets.UTF_8);
    assertEquals("completed", res.reason(), log);
    assertEquals(2, res.step());
    assertTrue(Double.isFinite(res.losses().get(1)), log);
    assertTrue(Files.isRegularFile(out.resolve("metrics.jsonl")));
    assertTrue(Files.isRegularFile(out.resolve("checkpoint-1/trainer_state.json")));
    assertTrue(
        Files.isRegularFile(out.resolve("tokenizer.json")), "tokenizer saved with the model");
    boolean lora = r.model().useLora();
    assertTrue(Files.isRegularFile(out.resolve(lora ? "adapter_config.json" : "config.json")), log);
    if (r.training().algorithm().equalsIgnoreCase("reward")) {
      // Saved so that PPO can load it: a sequence-classification model folder.
      try (NDManager m = NDManager.newBaseManager();
          TransformerModel back = TransformerModel.load(out, m, DataType.FLOAT32)) {
        assertTrue(back.config().isSequenceClassification());
      }
    }
    if (r.training().evalSplit() > 0) {
      assertEquals(1, res.evalHistory().size(), "eval at the last step");
    }
  }
}
