package ai.fairl.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Effective defaults per algorithm and their printed origin (CONVENTIONS "Recipes"). */
class AlgorithmDefaultsTest {
  static final Recipes.Context CTX =
      new Recipes.Context(
          Path.of(System.getProperty("fairl.root")),
          Path.of(System.getProperty("fairl.root")),
          Map.<String, String>of()::get);

  static Resolved<TrainingRecipe> with(String algorithm, String... more) {
    String yaml =
        "model: {base_model_name: tiny:llama}\n"
            + "data: {datasets: [{name: openai/gsm8k}]}\n"
            + "training: {algorithm: "
            + algorithm
            + ", output_dir: out}\n";
    return Recipes.parse(yaml, "r.yaml", List.of(more), CTX, TrainingRecipe.class);
  }

  @ParameterizedTest(name = "{0} {1}")
  @CsvSource({
    "dpo, beta, 0.1, default (TRL)",
    "grpo, beta, 0.0, default (TRL)",
    "gspo, beta, 0.0, default (FAI-RL)",
    "grpo, epsilon, 0.2, default (TRL)",
    "gspo, epsilon, 3.0E-4, default (FAI-RL)",
    "gspo, epsilon_high, 4.0E-4, default (FAI-RL)",
    "grpo, epsilon_high, 0.2, default = epsilon (TRL)",
    "gspo, loss_type, grpo, default (ours)",
    "grpo, loss_type, dapo, default (TRL)",
    "dpo, loss_type, sigmoid, default (TRL)",
    "gspo, importance_sampling_level, sequence, default (FAI-RL)",
    "grpo, importance_sampling_level, token, default (TRL)",
    "grpo, steps_per_generation, 16, default = gradient_accumulation_steps (TRL)",
    "ppo, temperature, 0.7, default (TRL)",
    "ppo, kl_estimator, k1, default (TRL)",
    "grpo, max_completion_length, 256, default = data.max_length - data.max_prompt_length (FAI-RL)",
    "sft, learning_rate, 1.0E-6, default (FAI-RL)",
    "sft, seed, 42, default (transformers)"
  })
  void defaultAndOrigin(String algorithm, String key, String value, String origin) {
    Setting s = with(algorithm).setting("training." + key);
    assertEquals(value, String.valueOf(s.value()), key);
    assertEquals(origin, s.origin(), key);
  }

  @Test
  void keysOfOtherAlgorithmsAreNullAndFlagged() {
    Resolved<TrainingRecipe> sft = with("sft", "training.num_generations=4");
    assertNull(sft.recipe().training().numGenerations());
    assertNull(sft.recipe().training().beta());
    assertTrue(
        sft.setting("training.num_generations").note().startsWith("no effect for algorithm sft"));
  }

  @Test
  void stepsPerGenerationFollowsGradientAccumulation() {
    assertEquals(
        4,
        with("grpo", "training.gradient_accumulation_steps=4", "training.num_generations=4")
            .recipe()
            .training()
            .stepsPerGeneration());
  }

  @Test
  void rewardsDefaultToFaiRlsSetUnlessAnotherRewardIsConfigured() {
    assertEquals(
        List.of("exact_match", "structured_xml", "digit"), with("grpo").recipe().rewardNames());
    Resolved<TrainingRecipe> api = with("grpo", "reward_api={endpoint: 'https://r.example/score'}");
    assertEquals(List.of("reward_api"), api.recipe().rewardNames());
    Resolved<TrainingRecipe> both =
        with(
            "grpo",
            "training.reward_functions=[digit]",
            "local_reward_function={function: com.acme.Rewards}",
            "training.reward_weights=[1, 2]");
    assertEquals(List.of("digit", "com.acme.Rewards"), both.recipe().rewardNames());
  }

  @Test
  void hfInternalKeysAreAcceptedWithANote() {
    Resolved<TrainingRecipe> r = with("dpo", "training.dataloader_pin_memory=true");
    assertTrue(r.setting("training.dataloader_pin_memory").note().startsWith("no effect here: "));
    assertTrue(r.render().contains("no effect here: no CUDA data loader"));
  }

  @Test
  void faiRlRewardNamesAreAccepted() {
    Resolved<TrainingRecipe> r =
        with(
            "grpo",
            "training.reward_functions=[exact_match_reward_func,"
                + " 'trainers.rewards.format_rewards:structured_xml_reward_func', digit]");
    assertEquals(3, r.recipe().rewardNames().size());
    Resolved<TrainingRecipe> local =
        with(
            "grpo",
            "local_reward_function={function:"
                + " 'trainers.rewards.accuracy_rewards:exact_match_reward_func'}");
    assertEquals("exact_match", local.recipe().localRewardFunction().function());
    assertTrue(
        local
            .setting("local_reward_function.function")
            .note()
            .contains("built-in reward exact_match"));
  }

  @Test
  void maskedMapUsesRecipeKeysAndHidesSecrets() {
    Resolved<TrainingRecipe> r =
        with(
            "grpo",
            "wandb.api_key=secret-1",
            "reward_api={endpoint: 'https://r.example/s', headers: {Authorization: 'Bearer x'}}");
    Map<String, Object> m = Recipes.toMaskedMap(r.recipe());
    @SuppressWarnings("unchecked")
    Map<String, Object> training = (Map<String, Object>) m.get("training");
    assertEquals(1.0e-6, training.get("learning_rate"));
    @SuppressWarnings("unchecked")
    Map<String, Object> wandb = (Map<String, Object>) m.get("wandb");
    assertEquals("***", wandb.get("api_key"));
    assertTrue(
        !m.toString().contains("secret-1") && !m.toString().contains("Bearer x"), m.toString());
  }
}
