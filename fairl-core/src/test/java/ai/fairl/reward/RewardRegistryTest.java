package ai.fairl.reward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.fairl.Fairl;
import ai.fairl.recipe.RecipeException;
import ai.fairl.recipe.TrainingRecipe;
import ai.fairl.train.StopSignal;
import ai.fairl.train.TrainResult;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reward registered by name in this JVM (what {@code %%fairl_reward} does) is what a recipe's
 * {@code reward_functions} entry of that name scores with, through the normal recipe path.
 */
class RewardRegistryTest {
  @TempDir Path out;

  @AfterEach
  void clean() {
    RewardRegistry.unregister("answer_length");
    RewardRegistry.unregister("counted");
  }

  @Test
  void aRegisteredNameResolvesInARewardConfigAfterTheShippedOnes() {
    RewardRegistry.register(
        "answer_length", (p, c, cols) -> c.stream().mapToDouble(s -> -0.5 * s.length()).toArray());
    RewardSet set =
        new RewardConfig(
                List.of("exact_match", "answer_length"), List.of(1.0, 2.0), false, null, null)
            .build(null);
    assertEquals(List.of("exact_match", "answer_length"), set.names());
    RewardScores s =
        set.score(
            List.of("q", "q"),
            List.of("<answer>\n4\n</answer>", "ab"),
            List.of(Map.of("answer", "4"), Map.of("answer", "4")));
    // exact_match 2.0 + 2 × (−0.5 × 20 characters) = −18; 0 + 2 × (−0.5 × 2) = −2
    assertArrayEquals(new double[] {-18.0, -2.0}, s.total(), 1e-9);
  }

  @Test
  void namesAreCheckedAndUnknownOnesSayHowToRegister() {
    RewardFunction fn = (p, c, cols) -> new double[c.size()];
    assertThrows(IllegalArgumentException.class, () -> RewardRegistry.register("1bad", fn));
    IllegalArgumentException shipped =
        assertThrows(IllegalArgumentException.class, () -> RewardRegistry.register("digit", fn));
    assertTrue(shipped.getMessage().contains("is a shipped reward"), shipped.getMessage());
    IllegalArgumentException unknown =
        assertThrows(
            IllegalArgumentException.class,
            () -> new RewardConfig(List.of("answer_length"), null, false, null, null).build(null));
    assertTrue(unknown.getMessage().contains("%%fairl_reward answer_length"), unknown.getMessage());
  }

  @Test
  void aRecipeNamesARegisteredRewardOnlyOnceItIsRegistered() {
    String yaml = recipe("[exact_match, counted]", 1);
    RecipeException before =
        assertThrows(RecipeException.class, () -> Fairl.recipeFromText(yaml, "r.yaml"));
    assertTrue(
        before.getMessage().contains("unknown reward 'counted'")
            && before.getMessage().contains("registered: none"),
        before.getMessage());
    RewardRegistry.register("counted", (p, c, cols) -> new double[c.size()]);
    assertEquals(
        List.of("exact_match", "counted"),
        ((TrainingRecipe) Fairl.recipeFromText(yaml, "r.yaml").recipe()).rewardNames());
  }

  @Test
  void aGrpoRunFromARecipeScoresWithTheRegisteredReward() throws Exception {
    AtomicInteger scored = new AtomicInteger();
    RewardRegistry.register(
        "counted",
        (p, c, cols) -> {
          scored.addAndGet(c.size());
          return c.stream().mapToDouble(s -> s.contains("1") ? 1.0 : 0.0).toArray();
        });
    TrainingRecipe r =
        (TrainingRecipe) Fairl.recipeFromText(recipe("[counted]", 2), "r.yaml").recipe();
    TrainResult res = Fairl.train(r, new StopSignal());
    assertEquals(2, res.step());
    assertEquals(2 * 8, scored.get(), "8 completions per step scored by the registered function");
    Map<String, Double> last = res.history().get(1);
    assertTrue(last.containsKey("rewards/counted/mean"), last.keySet().toString());
    assertEquals(last.get("reward"), last.get("rewards/counted/mean"), 1e-9);
  }

  private String recipe(String rewards, int steps) {
    String data =
        Path.of(System.getProperty("fairl.root"), "recipes/data/arithmetic_train.jsonl")
            .toString()
            .replace("\\", "/");
    return String.join(
        "\n",
        "model:",
        "  base_model_name: tiny:llama",
        "data:",
        "  datasets:",
        "    - name: \"" + data + "\"",
        "      prompt_column: question",
        "      answer_column: answer",
        "  max_length: 48",
        "  max_prompt_length: 40",
        "training:",
        "  algorithm: grpo",
        "  output_dir: \"" + out.toString().replace("\\", "/") + "\"",
        "  per_device_train_batch_size: 8",
        "  gradient_accumulation_steps: 1",
        "  bf16: false",
        "  num_generations: 4",
        "  max_completion_length: 6",
        "  max_steps: " + steps,
        "  save_steps: 100",
        "  logging_steps: 1",
        "  reward_functions: " + rewards,
        "");
  }
}
