package ai.fairl.recipe;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * FAI-RL's recipe- and CLI-level bugs (reference §12), each with a test named after it. B5, B7, B8,
 * B10 and B11 concern the engines (API parsing, tokenizer, S3 callback, evaluation alignment, DPO
 * data) and are tested with them.
 */
class FaiRlBugsTest {
  /** The §12 ids that concern recipes or the CLI. */
  static final List<String> RECIPE_LEVEL = List.of("b1", "b2", "b3", "b4", "b6", "b9", "b12");

  static final Path ROOT = Path.of(System.getProperty("fairl.root"));
  static final Recipes.Context CTX = new Recipes.Context(ROOT, ROOT, Map.<String, String>of()::get);

  static Resolved<? extends Recipe> parse(String yaml, String... overrides) {
    return Recipes.parse(yaml, "r.yaml", List.of(overrides), CTX);
  }

  static final String GRPO =
      "model: {base_model_name: tiny:llama}\n"
          + "data: {datasets: [{name: recipes/data/arithmetic_train.jsonl, prompt_column: question}]}\n"
          + "training: {algorithm: grpo, output_dir: out, beta: 0.04}\n";

  @Test
  void everyRecipeLevelBugHasATestNamedAfterIt() {
    List<String> names =
        Arrays.stream(getClass().getDeclaredMethods()).map(Method::getName).toList();
    for (String id : RECIPE_LEVEL) {
      assertTrue(
          names.stream().anyMatch(n -> n.matches(id + "[A-Z].*")),
          "no test named " + id + "... in " + names);
    }
  }

  @Test
  void b1EvaluationRecipesLoadWithoutSplitMode() {
    Resolved<? extends Recipe> r =
        parse(
            "evaluation: {model: tiny:llama, dataset_name: openai/gsm8k, system_prompt: '{question}'}");
    assertTrue(r.recipe() instanceof EvaluationRecipe);
  }

  @Test
  void b2GrpoKeepsBetaFromTheRecipe() {
    TrainingRecipe t = (TrainingRecipe) parse(GRPO).recipe();
    assertEquals(0.04, t.training().beta());
  }

  @Test
  void b3GrpoAcceptsALocalDatasetFile() {
    TrainingRecipe t = (TrainingRecipe) parse(GRPO).recipe();
    assertTrue(t.data().datasets().get(0).isLocalFile());
    assertTrue(
        Path.of(t.data().datasets().get(0).name()).isAbsolute(), "resolved against the root");
  }

  @Test
  void b4GspoGenerationBatchIsRaisedToWholeGroupsWithANotice() {
    Resolved<? extends Recipe> r =
        parse(
            GRPO.replace("algorithm: grpo", "algorithm: gspo"),
            "training.steps_per_generation=4",
            "training.num_generations=8");
    TrainingRecipe t = (TrainingRecipe) r.recipe();
    assertEquals(8, t.training().stepsPerGeneration());
    assertEquals("grpo", t.training().lossType(), "the GSPO paper's loss, not dapo");
    assertTrue(r.notices().get(0).contains("raised from 4 to 8"), r.notices().toString());
  }

  @Test
  void b6LowercaseFalseOverrideIsABooleanAndListIndexesWork() {
    Resolved<? extends Recipe> r =
        parse(
            "inference: {model: tiny:llama, system_prompt: '{prompt}'}",
            "inference.do_sample=false");
    assertFalse(((InferenceRecipe) r.recipe()).inference().doSample());
    TrainingRecipe t =
        (TrainingRecipe) parse(GRPO, "data.datasets[0].prompt_column=problem").recipe();
    assertEquals("problem", t.data().datasets().get(0).promptColumn());
  }

  @Test
  void b9ApiKeyIsRedactedInTheResolvedRecipe() {
    Resolved<? extends Recipe> r =
        parse(
            "inference: {model: gpt-4o-mini, api_endpoint: 'https://api.openai.com/v1/chat/completions',"
                + " api_key: sk-canary-999, system_prompt: '{prompt}'}");
    assertFalse(r.render().contains("sk-canary-999"), r.render());
    assertEquals("sk-canary-999", ((InferenceRecipe) r.recipe()).inference().apiKey());
  }

  @Test
  void b12EvalStepsHaveEvaluationDataToUse() {
    TrainingRecipe t = (TrainingRecipe) parse(GRPO, "training.eval_split=0.1").recipe();
    assertEquals(0.1, t.training().evalSplit());
    TrainingRecipe d =
        (TrainingRecipe)
            parse(GRPO, "training.eval_dataset={name: recipes/data/arithmetic_test.jsonl}")
                .recipe();
    assertTrue(d.training().evalDataset().name().endsWith("arithmetic_test.jsonl"));
  }
}
