package ai.fairl.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The override syntax, one row per form: the override, the key it sets, the value it gives. */
class OverridesTest {

  static final String BASE =
      """
      model:
        base_model_name: tiny:llama
        lora_target_modules: [q_proj]
      data:
        datasets:
          - name: openai/gsm8k
            subset: main
      training:
        algorithm: grpo
        output_dir: out
        save_total_limit: 3
      wandb:
        enabled: false
      """;

  static final Recipes.Context CTX =
      new Recipes.Context(
          Path.of(System.getProperty("fairl.root", ".")),
          Path.of(System.getProperty("fairl.root", ".")),
          Map.of("HOME_DIR_FOR_TEST", "/home/me")::get);

  static Resolved<TrainingRecipe> load(String... overrides) {
    return Recipes.parse(BASE, "base.yaml", List.of(overrides), CTX, TrainingRecipe.class);
  }

  static Stream<Arguments> table() {
    return Stream.of(
        Arguments.of("training.learning_rate=5e-5", "training.learning_rate", 5e-5),
        Arguments.of("training.learning_rate=3e-4", "training.learning_rate", 3e-4),
        Arguments.of("training.num_train_epochs=3", "training.num_train_epochs", 3.0),
        Arguments.of("training.max_steps=10", "training.max_steps", 10),
        Arguments.of("model.use_lora=true", "model.use_lora", true),
        Arguments.of("model.use_lora=True", "model.use_lora", true),
        Arguments.of("wandb.enabled=False", "wandb.enabled", false),
        Arguments.of("wandb.enabled=false", "wandb.enabled", false),
        Arguments.of(
            "model.base_model_name=meta-llama/Llama-3.2-1B",
            "model.base_model_name",
            "meta-llama/Llama-3.2-1B"),
        Arguments.of(
            "model.lora_target_modules=[q_proj, v_proj]",
            "model.lora_target_modules",
            List.of("q_proj", "v_proj")),
        Arguments.of(
            "model.lora_target_modules=[\"k_proj\"]",
            "model.lora_target_modules",
            List.of("k_proj")),
        Arguments.of("training.save_total_limit=null", "training.save_total_limit", null),
        Arguments.of("training.save_total_limit=None", "training.save_total_limit", null),
        Arguments.of("training.beta=0.04", "training.beta", 0.04),
        Arguments.of(
            "data.datasets[0].name=nvidia/OpenMathInstruct-2",
            "data.datasets[0].name",
            "nvidia/OpenMathInstruct-2"),
        Arguments.of("data.datasets[0].split=train_1M", "data.datasets[0].split", "train_1M"),
        Arguments.of("data.datasets[1].name=openai/gsm8k", "data.datasets[1].name", "openai/gsm8k"),
        Arguments.of(
            "data.datasets=[{name: a/b}, {name: c/d, split: test}]",
            "data.datasets[1].split",
            "test"),
        Arguments.of("wandb.tags=[a, b]", "wandb.tags", List.of("a", "b")),
        Arguments.of("wandb.name=", "wandb.name", ""),
        Arguments.of("wandb.name=a=b", "wandb.name", "a=b"),
        Arguments.of("wandb.base_url=${env:HOME_DIR_FOR_TEST}", "wandb.base_url", "/home/me"),
        Arguments.of(
            "reward_api={endpoint: 'http://localhost:9/score', headers: {X-Team: ml}}",
            "reward_api.endpoint",
            "http://localhost:9/score"),
        Arguments.of(
            "training.reward_weights=[1, 0.5, 0.25]",
            "training.reward_weights",
            List.of(1.0, 0.5, 0.25)),
        Arguments.of(
            "training.resume_from_checkpoint=true", "training.resume_from_checkpoint", "latest"),
        Arguments.of("training.algorithm=GSPO", "training.algorithm", "gspo"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("table")
  void setsTheValue(String override, String key, Object expected) {
    Setting s = load(override).setting(key);
    assertEquals(expected, s.value(), override);
    if (expected != null) {
      assertTrue(s.origin().startsWith("override '"), s.origin());
    }
  }

  @Test
  void nullUnsetsSoTheDefaultApplies() {
    Resolved<TrainingRecipe> r = load("model.lora_target_modules=null");
    assertEquals(null, r.recipe().model().loraTargetModules());
    assertEquals("default", r.setting("model.lora_target_modules").origin());
  }

  @Test
  void nullOnAListItemRemovesIt() {
    Resolved<TrainingRecipe> r = load("data.datasets[1].name=x/y", "data.datasets[0]=null");
    assertEquals(1, r.recipe().data().datasets().size());
    assertEquals("x/y", r.recipe().data().datasets().get(0).name());
  }

  @Test
  void laterOverridesWin() {
    assertEquals(
        2e-5,
        load("training.learning_rate=1e-5", "training.learning_rate=2e-5")
            .recipe()
            .training()
            .learningRate());
  }

  @Test
  void overrideCreatesAMissingSection() {
    Resolved<TrainingRecipe> r = load("s3.enabled=false", "s3.bucket=b");
    assertEquals("b", r.recipe().s3().bucket());
  }

  @Test
  void appendingPastTheEndIsAnError() {
    RecipeException e = assertThrows(RecipeException.class, () -> load("data.datasets[2].name=x"));
    assertEquals("data.datasets[2]", e.key());
    assertTrue(e.hint().contains("1 to append"), e.hint());
  }

  @Test
  void unknownOverrideKeyFailsLikeARecipeKey() {
    RecipeException e = assertThrows(RecipeException.class, () -> load("training.learnin_rate=1"));
    assertEquals("override 'training.learnin_rate=1'", e.where());
    assertTrue(e.hint().contains("training.learning_rate"), e.hint());
  }

  @Test
  void withoutARecipeOverridesGiveEveryKey() {
    Resolved<TrainingRecipe> r =
        Recipes.training(
            null,
            List.of(
                "model.base_model_name=tiny:llama",
                "data.datasets[0].name=openai/gsm8k",
                "training.algorithm=sft",
                "training.output_dir=out"),
            CTX);
    assertEquals("sft", r.recipe().training().algorithm());
  }
}
