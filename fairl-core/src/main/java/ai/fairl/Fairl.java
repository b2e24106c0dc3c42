package ai.fairl;

import ai.fairl.recipe.Recipe;
import ai.fairl.recipe.Recipes;
import ai.fairl.recipe.Resolved;
import ai.fairl.recipe.TrainingRecipe;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Properties;

/**
 * The one facade of FAI-RL for Java: recipes, training, generation, inference, evaluation. CLIs,
 * notebook magics and notebooks call only this and the records it returns.
 *
 * <p>Recipes are here now ({@link #recipe}); {@code train(...)}, {@code generate(...)}, {@code
 * infer(...)} and {@code evaluate(...)} arrive with their issues (training engine, generation,
 * inference, evaluation) and take the records these methods return.
 */
public final class Fairl {
  private Fairl() {}

  /**
   * Loads a recipe (training, inference or evaluation: told by its sections) and applies overrides
   * such as {@code "training.learning_rate=1e-5"}. Show it with {@code resolved.render()}; use it
   * with {@code resolved.recipe()}.
   *
   * @throws ai.fairl.recipe.RecipeException naming the file, line, key and fix
   */
  public static Resolved<? extends Recipe> recipe(Path file, String... overrides) {
    return Recipes.any(file, List.of(overrides));
  }

  /** {@link #recipe(Path, String...)} for a path given as text. */
  public static Resolved<? extends Recipe> recipe(String file, String... overrides) {
    return recipe(Path.of(file), overrides);
  }

  /** Loads a training recipe; an inference or evaluation recipe is an error that says so. */
  public static Resolved<TrainingRecipe> trainingRecipe(Path file, String... overrides) {
    return Recipes.training(file, List.of(overrides));
  }

  /**
   * Trains a recipe on the CPU (sft, cpt, dpo, reward): console progress, {@code metrics.jsonl},
   * checkpoints, chart and W&B as the recipe says, plus {@code listeners} (a notebook's live view).
   * {@code stop} ends the run at the next step boundary with a checkpoint.
   */
  public static ai.fairl.train.TrainResult train(
      TrainingRecipe recipe,
      ai.fairl.train.StopSignal stop,
      ai.fairl.train.TrainListener... listeners)
      throws IOException {
    return ai.fairl.train.Training.run(
        recipe, ai.fairl.recipe.RunOptions.cpu(), List.of(listeners), stop, System.out);
  }

  /** {@link #train(TrainingRecipe, ai.fairl.train.StopSignal, ai.fairl.train.TrainListener...)}. */
  public static ai.fairl.train.TrainResult train(
      Resolved<TrainingRecipe> recipe,
      ai.fairl.train.StopSignal stop,
      ai.fairl.train.TrainListener... listeners)
      throws IOException {
    return train(recipe.recipe(), stop, listeners);
  }

  /** Parses recipe text (e.g. a notebook cell) with overrides; {@code name} appears in errors. */
  public static Resolved<? extends Recipe> recipeFromText(
      String yaml, String name, String... overrides) {
    return Recipes.parse(yaml, name, List.of(overrides), Recipes.Context.defaults());
  }

  /**
   * Generates continuations of text prompts with a model loaded from {@code model}: a directory, a
   * Hub id ({@code org/name[@revision]}) or {@code tiny:<llama|qwen2|qwen3|mistral>}. Loads the
   * model for this call only (fp32 on CPU); keep a {@link ai.fairl.model.Models.Loaded} and call
   * {@link #generate(ai.fairl.model.Models.Loaded, List, ai.fairl.generate.GenerationConfig,
   * ai.fairl.generate.TokenListener)} to reuse it.
   */
  public static ai.fairl.generate.GenerationResult generate(
      String model, List<String> prompts, ai.fairl.generate.GenerationConfig config) {
    try (ai.djl.ndarray.NDManager m = ai.djl.ndarray.NDManager.newBaseManager();
        ai.fairl.model.Models.Loaded loaded =
            ai.fairl.model.Models.load(model, m, ai.djl.ndarray.types.DataType.FLOAT32, 0)) {
      return generate(loaded, prompts, config, null);
    }
  }

  /** Generates with a loaded model and its tokenizer; {@code listener} (or null) streams tokens. */
  public static ai.fairl.generate.GenerationResult generate(
      ai.fairl.model.Models.Loaded model,
      List<String> prompts,
      ai.fairl.generate.GenerationConfig config,
      ai.fairl.generate.TokenListener listener) {
    return new ai.fairl.generate.Generator(model.model(), model.tokenizer())
        .generateText(prompts, config, listener);
  }

  /**
   * Runs an inference recipe on the CPU (local models) or a hosted API: writes FAI-RL's CSV, the
   * JSONL and the summary, and returns every row. A rerun with the same output file resumes.
   */
  public static ai.fairl.infer.InferenceResult infer(ai.fairl.recipe.InferenceRecipe recipe) {
    return ai.fairl.infer.Inference.run(recipe, ai.fairl.recipe.RunOptions.cpu());
  }

  /**
   * Runs an MMLU or GSM8K evaluation recipe; the result holds the metrics and a Tablesaw table
   * ({@code result.table()}) that notebooks render.
   */
  public static ai.fairl.eval.EvalResult evaluate(ai.fairl.recipe.EvaluationRecipe recipe) {
    return ai.fairl.eval.Evaluation.run(recipe, ai.fairl.recipe.RunOptions.cpu());
  }

  /** The project version, from the jar's Maven metadata or "dev" when run from classes. */
  public static String version() {
    String v = Fairl.class.getPackage().getImplementationVersion();
    if (v != null) {
      return v;
    }
    try (java.io.InputStream in =
        Fairl.class.getResourceAsStream("/META-INF/maven/ai.fairl/fairl-core/pom.properties")) {
      if (in != null) {
        java.util.Properties p = new java.util.Properties();
        p.load(in);
        return p.getProperty("version", "dev");
      }
    } catch (java.io.IOException e) {
      // fall through: unknown version
    }
    return "dev";
  }

  /**
   * The git commit the running build was made from ({@code abc1234}, with {@code -dirty} when the
   * tree had uncommitted changes), or {@code unknown} when built outside a git checkout.
   */
  public static String gitCommit() {
    try (InputStream in = Fairl.class.getResourceAsStream("git.properties")) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      String id = p.getProperty("git.commit.id.abbrev", "unknown");
      return Boolean.parseBoolean(p.getProperty("git.dirty", "false")) ? id + "-dirty" : id;
    } catch (IOException e) {
      return "unknown";
    }
  }
}
