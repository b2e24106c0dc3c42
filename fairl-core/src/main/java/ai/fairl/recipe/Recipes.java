package ai.fairl.recipe;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Loads FAI-RL recipes: YAML 1.2 file, then {@code key=value} overrides, then validation into
 * records. All problems are a {@link RecipeException} naming the file, line, key and fix.
 *
 * <p>Where this departs from FAI-RL ({@code core/config.py}, {@code utils/recipe_overrides.py}):
 * YAML 1.2 instead of PyYAML's 1.1 ({@code 3e-4} is a number); an explicit {@code null} means the
 * default rather than Python's None; types are checked ({@code "false"} in quotes is an error, not
 * a truthy string); overrides parse lowercase booleans and list indexes (B6); keys of features this
 * port lacks are errors instead of being passed on; defaults FAI-RL left to TRL or transformers are
 * filled in and shown with their origin; relative recipe, dataset and DeepSpeed paths fall back to
 * the install root so shipped recipes work from any directory.
 */
public final class Recipes {
  private Recipes() {}

  /**
   * Where relative paths and the environment come from. {@code installRoot} resolves {@code
   * deepspeed_config} (as FAI-RL does) and, second to {@code workDir}, local dataset files.
   */
  public record Context(Path installRoot, Path workDir, Function<String, String> env) {

    /**
     * The install root from {@code -Dfairl.home}, {@code FAIRL_HOME}, {@code -Dfairl.root} (tests)
     * or the current directory; the current directory; the process environment.
     */
    public static Context defaults() {
      String home = System.getProperty("fairl.home");
      if (home == null || home.isBlank()) {
        home = System.getenv("FAIRL_HOME");
      }
      if (home == null || home.isBlank()) {
        home = System.getProperty("fairl.root");
      }
      Path cwd = Path.of("").toAbsolutePath();
      return new Context(
          home == null || home.isBlank() ? cwd : Path.of(home).toAbsolutePath(),
          cwd,
          System::getenv);
    }
  }

  /** Loads a training recipe ({@code file} may be null: then overrides give every key). */
  public static Resolved<TrainingRecipe> training(Path file, List<String> overrides) {
    return training(file, overrides, Context.defaults());
  }

  /** Loads a training recipe in a given context. */
  public static Resolved<TrainingRecipe> training(
      Path file, List<String> overrides, Context context) {
    return load(file, overrides, context, TrainingRecipe.class);
  }

  /** Loads an inference recipe. */
  public static Resolved<InferenceRecipe> inference(Path file, List<String> overrides) {
    return load(file, overrides, Context.defaults(), InferenceRecipe.class);
  }

  /** Loads an evaluation recipe. */
  public static Resolved<EvaluationRecipe> evaluation(Path file, List<String> overrides) {
    return load(file, overrides, Context.defaults(), EvaluationRecipe.class);
  }

  /** Loads any recipe; its kind comes from its top-level sections. */
  public static Resolved<? extends Recipe> any(Path file, List<String> overrides) {
    return any(file, overrides, Context.defaults());
  }

  /** Loads any recipe in a given context. */
  public static Resolved<? extends Recipe> any(Path file, List<String> overrides, Context context) {
    return load(file, overrides, context, null);
  }

  /** Parses recipe text (a notebook cell, a test); {@code source} names it in messages. */
  public static Resolved<? extends Recipe> parse(
      String yaml, String source, List<String> overrides, Context context) {
    return resolve(YNode.parse(yaml, source, true), source, overrides, context, null);
  }

  /** Parses recipe text of a known kind. */
  public static <R extends Recipe> Resolved<R> parse(
      String yaml, String source, List<String> overrides, Context context, Class<R> kind) {
    return resolve(YNode.parse(yaml, source, true), source, overrides, context, kind);
  }

  /**
   * Loads a recipe file of the given kind ({@code null}: detected from its sections) in a context.
   * {@code file} may be null: then the overrides give every key.
   */
  public static <R extends Recipe> Resolved<R> load(
      Path file, List<String> overrides, Context context, Class<R> kind) {
    if (file == null) {
      return resolve(
          new YNode(new LinkedHashMap<String, YNode>(), "<overrides>"),
          "<overrides>",
          overrides,
          context,
          kind == null ? null : kind);
    }
    String shown = file.toString();
    Path abs = file.isAbsolute() ? file : context.workDir().resolve(file);
    if (!Files.exists(abs) && !file.isAbsolute()) {
      abs = context.installRoot().resolve(file); // shipped recipes work from any directory
    }
    if (!Files.exists(abs)) {
      throw new RecipeException(
          null,
          null,
          "recipe file not found: " + shown,
          "check the path (relative paths are tried in "
              + context.workDir()
              + ", then in the install root "
              + context.installRoot()
              + "); shipped recipes are under recipes/",
          null);
    }
    if (Files.isDirectory(abs)) {
      throw new RecipeException(
          null, null, "recipe path is a directory: " + shown, "name a .yaml file inside it", null);
    }
    String text;
    try {
      text = Files.readString(abs, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new RecipeException(
          null,
          null,
          "cannot read recipe " + shown + ": " + e.getMessage(),
          "check permissions",
          e);
    }
    YNode root = YNode.parse(text, shown, true);
    if (root.value == null && overrides.isEmpty()) {
      throw new RecipeException(
          null,
          shown,
          "the recipe is empty",
          "start from a shipped recipe, e.g. recipes/training/sft/tiny_sft.yaml",
          null);
    }
    return resolve(root, shown, overrides, context, kind);
  }

  @SuppressWarnings("unchecked")
  private static <R extends Recipe> Resolved<R> resolve(
      YNode parsed, String source, List<String> overrides, Context context, Class<R> wanted) {
    YNode root = parsed.copy();
    if (root.value == null) {
      root.value = new LinkedHashMap<String, YNode>();
    }
    if (!root.isMap()) {
      throw new RecipeException(
          null,
          root.where,
          "a recipe must be a YAML mapping of sections, got " + Binder.describe(root.value),
          "start with model:, data:, training: (training), inference: or evaluation:",
          null);
    }
    Overrides.apply(root, overrides);
    Class<? extends Recipe> kind = detect(root, source, wanted);
    String algorithm = null;
    if (kind == TrainingRecipe.class) {
      YNode t = root.map().get("training");
      if (t != null && t.isMap() && t.map().get("algorithm") != null) {
        Object a = t.map().get("algorithm").value;
        if (a instanceof String s) {
          algorithm = s.trim().toLowerCase(Locale.ROOT);
        }
      }
    }
    Binder binder =
        new Binder(
            root, source, context.installRoot(), context.workDir(), context.env(), algorithm);
    Map<String, Object> tree = new LinkedHashMap<>();
    Recipe recipe = bind(binder, kind, tree);
    return new Resolved<>((R) recipe, source, overrides, tree, binder.notices, binder.secretValues);
  }

  @SuppressWarnings({"unchecked", "rawtypes"})
  private static Recipe bind(
      Binder binder, Class<? extends Recipe> kind, Map<String, Object> tree) {
    return (Recipe) binder.bindRoot((Class) kind, tree);
  }

  private static Class<? extends Recipe> detect(
      YNode root, String source, Class<? extends Recipe> wanted) {
    Map<String, YNode> m = root.map();
    Class<? extends Recipe> found =
        m.containsKey("inference") && !m.containsKey("training")
            ? InferenceRecipe.class
            : m.containsKey("evaluation") && !m.containsKey("training")
                ? EvaluationRecipe.class
                : TrainingRecipe.class;
    if (wanted == null || wanted == found || m.isEmpty()) {
      return wanted == null ? found : wanted;
    }
    String foundName = kindName(found);
    throw new RecipeException(
        null,
        source,
        "this is "
            + article(foundName)
            + " "
            + foundName
            + " recipe, not "
            + article(kindName(wanted))
            + " "
            + kindName(wanted)
            + " recipe",
        "run it with bin/" + cli(found) + " --recipe " + source,
        null);
  }

  private static String kindName(Class<?> c) {
    return c == InferenceRecipe.class
        ? "inference"
        : c == EvaluationRecipe.class ? "evaluation" : "training";
  }

  private static String article(String word) {
    return "aeiou".indexOf(word.charAt(0)) >= 0 ? "an" : "a";
  }

  private static String cli(Class<?> c) {
    return c == InferenceRecipe.class
        ? "fai-rl-inference"
        : c == EvaluationRecipe.class ? "fai-rl-eval" : "fai-rl-train";
  }

  /**
   * A recipe record as nested maps with the recipe's own (snake_case) keys, secrets as {@code ***}:
   * for W&B config, checkpoint metadata, JSON. Null values are kept.
   */
  public static Map<String, Object> toMaskedMap(Record recipe) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (java.lang.reflect.RecordComponent c : recipe.getClass().getRecordComponents()) {
      Object v;
      try {
        v = c.getAccessor().invoke(recipe);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      String key = Binder.keyName(c);
      Key k = c.getAnnotation(Key.class);
      boolean secret = (k != null && k.secret()) || Secrets.looksSecret(key);
      out.put(key, secret && v != null ? Secrets.MASK : masked(v));
    }
    return out;
  }

  private static Object masked(Object v) {
    if (v instanceof Record r) {
      return toMaskedMap(r);
    }
    if (v instanceof List<?> l) {
      List<Object> out = new java.util.ArrayList<>();
      l.forEach(x -> out.add(masked(x)));
      return out;
    }
    return Secrets.redactPlain(v);
  }
}
