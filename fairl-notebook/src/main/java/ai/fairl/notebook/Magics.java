package ai.fairl.notebook;

import ai.fairl.reward.RewardFunction;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;

/**
 * The FAI-RL magics. Each parses its arguments, calls one plain-Java method and returns what to
 * show; the plain-Java equivalent is named in each method's comment (STYLE.md "thin edges").
 */
final class Magics {
  private Magics() {}

  /** Parsed magic arguments: positionals and {@code --key value} / {@code --flag} options. */
  record Args(List<String> positional, Map<String, String> options) {
    static Args parse(String magic, List<String> args, Set<String> flags, Set<String> keys) {
      List<String> pos = new ArrayList<>();
      Map<String, String> opts = new LinkedHashMap<>();
      for (int i = 0; i < args.size(); i++) {
        String a = args.get(i);
        if (a.startsWith("--")) {
          String key = a.substring(2);
          String value = null;
          int eq = key.indexOf('=');
          if (eq >= 0) {
            value = key.substring(eq + 1);
            key = key.substring(0, eq);
          }
          if (flags.contains(key) && value == null) {
            opts.put(key, "true");
          } else if (keys.contains(key)) {
            if (value == null) {
              if (i + 1 >= args.size()) {
                throw new IllegalArgumentException(magic + ": --" + key + " needs a value");
              }
              value = args.get(++i);
            }
            opts.put(key, value);
          } else {
            List<String> known = new ArrayList<>();
            flags.forEach(f -> known.add("--" + f));
            keys.forEach(k -> known.add("--" + k + " VALUE"));
            throw new IllegalArgumentException(
                magic + ": unknown option --" + key + "; known: " + String.join(", ", known));
          }
        } else {
          pos.add(a);
        }
      }
      return new Args(pos, opts);
    }

    List<String> list(String key) {
      String v = options.get(key);
      return v == null || v.isBlank() ? List.of() : Arrays.asList(v.split("\\s*,\\s*"));
    }
  }

  /**
   * {@code %fairl_curve RUN... [--metrics loss,reward] [--svg]}; plain Java: {@link
   * RunCurves#plot}.
   */
  static Object curve(BaseKernel kernel, List<String> raw) {
    Args a = Args.parse("%fairl_curve", raw, Set.of("svg"), Set.of("metrics"));
    var chart = RunCurves.plot(a.positional().stream().map(Path::of).toList(), a.list("metrics"));
    return a.options().containsKey("svg")
        ? kernel.getRenderer().renderAs(chart, "image/svg+xml")
        : chart;
  }

  /**
   * {@code %fairl_recipe PATH [key=value]...}: the resolved keys (value, origin, note) as a table;
   * secrets are masked. Plain Java: {@code Fairl.recipe(path, overrides...)} then {@link
   * #recipeTable}.
   */
  static Object recipe(BaseKernel kernel, List<String> raw) {
    Args a = Args.parse("%fairl_recipe", raw, Set.of(), Set.of());
    if (a.positional().isEmpty()) {
      throw new IllegalArgumentException(
          "%fairl_recipe needs a recipe path, e.g. %fairl_recipe recipes/training/grpo/tiny_arithmetic.yaml"
              + " training.learning_rate=1e-5");
    }
    List<String> overrides = a.positional().subList(1, a.positional().size());
    var resolved = ai.fairl.Fairl.recipe(a.positional().get(0), overrides.toArray(String[]::new));
    var table = recipeTable(resolved);
    DisplayData d = new DisplayData(table.printAll());
    d.putHTML(TableHtml.render(table, Integer.MAX_VALUE));
    return d;
  }

  /** A resolved recipe's settings as a table: key, value (secrets masked), origin, note. */
  static tech.tablesaw.api.Table recipeTable(ai.fairl.recipe.Resolved<?> resolved) {
    var key = tech.tablesaw.api.StringColumn.create("key");
    var value = tech.tablesaw.api.StringColumn.create("value");
    var origin = tech.tablesaw.api.StringColumn.create("origin");
    var note = tech.tablesaw.api.StringColumn.create("note");
    // no absolute paths in saved notebooks: relative to the working directory or $FAIRL_HOME
    String cwd = Path.of("").toAbsolutePath() + java.io.File.separator;
    String home = System.getProperty("fairl.home", System.getenv("FAIRL_HOME"));
    String homePrefix =
        home == null ? null : Path.of(home).toAbsolutePath().normalize() + java.io.File.separator;
    java.util.function.UnaryOperator<String> rel =
        v -> {
          String out = v.replace(cwd, "");
          return homePrefix == null ? out : out.replace(homePrefix, "$FAIRL_HOME/");
        };
    for (ai.fairl.recipe.Setting s : resolved.settings()) {
      key.append(s.key());
      value.append(rel.apply(String.valueOf(s.shownValue())));
      origin.append(s.origin() == null ? "" : rel.apply(s.origin()));
      note.append(s.note() == null ? "" : rel.apply(s.note()));
    }
    var t = tech.tablesaw.api.Table.create(rel.apply(resolved.source()), key, value, origin, note);
    for (String n : resolved.notices()) {
      System.out.println(n);
    }
    return t;
  }

  private static ai.fairl.recipe.RunOptions options(Args a, String recipe) {
    String device = a.options().containsKey("gpu") ? "gpu" : "cpu";
    return new ai.fairl.recipe.RunOptions(
        device, 1, 1, 0, "127.0.0.1", 29500, false, Path.of(recipe), null);
  }

  private static String recipePath(String magic, Args a) {
    if (a.positional().isEmpty()) {
      throw new IllegalArgumentException(
          magic + " needs a recipe path, e.g. " + magic + " ../recipes/training/sft/tiny_sft.yaml");
    }
    return a.positional().get(0);
  }

  /**
   * {@code %%fairl_train RECIPE [key=value]... [--gpu] [--num-gpus N]}; the body is YAML overrides
   * (nested keys, e.g. {@code training: {max_steps: 5}}). Live loss chart and progress; the
   * kernel's interrupt stops the run at a step boundary with a checkpoint. Plain Java: {@code
   * Training.run(Fairl.trainingRecipe(path, overrides).recipe(), RunOptions.cpu(), List.of(new
   * TrainingDisplay()), Notebook.stopSignal(), System.out)}.
   */
  static Object train(BaseKernel kernel, List<String> raw, String body) throws Exception {
    Args a = Args.parse("%%fairl_train", raw, Set.of("gpu"), Set.of("num-gpus"));
    String path = recipePath("%%fairl_train", a);
    List<String> overrides = new ArrayList<>(YamlOverrides.flatten(body));
    overrides.addAll(a.positional().subList(1, a.positional().size()));
    var resolved = ai.fairl.Fairl.trainingRecipe(Path.of(path), overrides.toArray(String[]::new));
    int gpus = numGpus(a);
    if (gpus > 1) {
      return trainOnWorkers(kernel, path, overrides, resolved.recipe(), gpus);
    }
    for (String n : resolved.notices()) {
      System.out.println(n);
    }
    var result =
        ai.fairl.train.Training.run(
            resolved.recipe(),
            options(a, path),
            List.of(new TrainingDisplay()),
            Notebook.stopSignal(),
            System.out);
    List<Double> losses = result.losses();
    System.out.printf(
        "%s after %d steps%s; output in %s%n",
        result.reason(),
        result.step(),
        losses.isEmpty()
            ? ""
            : String.format(
                java.util.Locale.ROOT,
                ", loss %.4g -> %.4g",
                losses.get(0),
                losses.get(losses.size() - 1)),
        result.outputDir());
    return null;
  }

  private static int numGpus(Args a) {
    String v = a.options().get("num-gpus");
    if (v == null) {
      return 1;
    }
    try {
      int n = Integer.parseInt(v.strip());
      if (n < 1) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          "%%fairl_train: --num-gpus must be a whole number >= 1, got '" + v + "'");
    }
  }

  /**
   * {@code %%fairl_train RECIPE --num-gpus N} (N > 1): the run goes to {@code fai-rl-train
   * --num-gpus N} in this kernel's JVM, which starts N worker processes (data parallel) with the
   * kernel's jars plus the jars added to it ({@code --classpath}, {@code %jars}). A reward defined
   * in this notebook lives only in the kernel, so a recipe that names one fails here, before any
   * worker starts, saying how to package it. The workers' console output is the cell's output; plot
   * the run afterwards with {@code %fairl_curve OUTPUT_DIR}.
   */
  static Object trainOnWorkers(
      BaseKernel kernel,
      String path,
      List<String> overrides,
      ai.fairl.recipe.TrainingRecipe recipe,
      int gpus) {
    List<String> jvmOnly =
        ai.fairl.reward.RewardRegistry.onlyInThisJvm(recipe.training().rewardFunctions());
    if (!jvmOnly.isEmpty()) {
      String[] e = ai.fairl.reward.RewardRegistry.workerError(jvmOnly, gpus);
      throw new IllegalArgumentException(
          "%%fairl_train --num-gpus " + gpus + ": " + e[0] + "\nhint: " + e[1]);
    }
    List<String> args =
        new ArrayList<>(List.of("--recipe", path, "--num-gpus", Integer.toString(gpus)));
    if (kernel instanceof FairlKernel fk && !fk.userClasspath().isEmpty()) {
      args.add("--classpath");
      args.add(String.join(java.io.File.pathSeparator, fk.userClasspath()));
    }
    args.addAll(overrides);
    java.io.PrintWriter out = new java.io.PrintWriter(System.out, true);
    java.io.PrintWriter err = new java.io.PrintWriter(System.err, true);
    int code =
        ai.fairl.cli.Cli.run(
            "fai-rl-train", args.toArray(String[]::new), out, err, System.getenv(), Path.of(""));
    if (code != 0) {
      throw new IllegalStateException(
          "%%fairl_train --num-gpus "
              + gpus
              + ": fai-rl-train exited with "
              + code
              + " (see above)");
    }
    return null;
  }

  /**
   * {@code %fairl_eval RECIPE [key=value]... [--gpu]}: runs an evaluation recipe, shows the
   * per-subject chart and returns the results table. Plain Java: {@code
   * ai.fairl.eval.Evaluation.run(Evaluation.spec(...), LocalModels.loader(options),
   * LocalScorers.loader(options), System::getenv, Notebook.stopSignal(), System.out).table()}.
   */
  static Object eval(BaseKernel kernel, List<String> raw) throws Exception {
    Args a = Args.parse("%fairl_eval", raw, Set.of("gpu"), Set.of());
    String path = recipePath("%fairl_eval", a);
    var resolved =
        ai.fairl.Fairl.recipe(
            path, a.positional().subList(1, a.positional().size()).toArray(String[]::new));
    if (!(resolved.recipe() instanceof ai.fairl.recipe.EvaluationRecipe r)) {
      throw new IllegalArgumentException(
          "%fairl_eval: "
              + path
              + " is not an evaluation recipe (it has no evaluation: section);"
              + " use %fairl_infer for inference recipes and %%fairl_train for training");
    }
    var options = options(a, path);
    var result =
        ai.fairl.eval.Evaluation.run(
            ai.fairl.eval.Evaluation.spec(r.evaluation(), Path.of(path)),
            ai.fairl.infer.LocalModels.loader(options, r.evaluation().seed()),
            ai.fairl.eval.LocalScorers.loader(
                options, r.evaluation().seed(), r.evaluation().batchSize()),
            System::getenv,
            Notebook.stopSignal(),
            System.out);
    if (result.chart() != null && java.nio.file.Files.isRegularFile(result.chart())) {
      DisplayData png = new DisplayData("per-subject accuracy");
      png.putData(
          org.dflib.jjava.jupyter.kernel.display.mime.MIMEType.IMAGE_PNG,
          java.util.Base64.getEncoder()
              .encodeToString(java.nio.file.Files.readAllBytes(result.chart())));
      kernel.display(png);
    }
    return result.table();
  }

  /**
   * {@code %fairl_infer RECIPE [key=value]... [--gpu]}: runs an inference recipe and returns one
   * row per answer (checkpoint, dataset columns, response, error). Plain Java: {@code
   * ai.fairl.infer.Inference.run(RecipeRuns.spec(recipe.inference()), LocalModels.loader(options),
   * System::getenv, Notebook.stopSignal(), System.out)}.
   */
  static Object infer(BaseKernel kernel, List<String> raw) throws Exception {
    Args a = Args.parse("%fairl_infer", raw, Set.of("gpu"), Set.of());
    String path = recipePath("%fairl_infer", a);
    var resolved =
        ai.fairl.Fairl.recipe(
            path, a.positional().subList(1, a.positional().size()).toArray(String[]::new));
    if (!(resolved.recipe() instanceof ai.fairl.recipe.InferenceRecipe r)) {
      throw new IllegalArgumentException(
          "%fairl_infer: " + path + " is not an inference recipe (it has no inference: section)");
    }
    var result =
        ai.fairl.infer.Inference.run(
            ai.fairl.infer.RecipeRuns.spec(r.inference()),
            ai.fairl.infer.LocalModels.loader(options(a, path), r.inference().seed()),
            System::getenv,
            Notebook.stopSignal(),
            System.out);
    var checkpoint = tech.tablesaw.api.StringColumn.create("checkpoint");
    var prompt = tech.tablesaw.api.StringColumn.create("columns");
    var response = tech.tablesaw.api.StringColumn.create("response");
    var error = tech.tablesaw.api.StringColumn.create("error");
    for (var row : result.rows()) {
      checkpoint.append(row.checkpoint() == null ? "" : row.checkpoint());
      prompt.append(String.valueOf(row.columns()));
      response.append(row.response() == null ? "" : row.response());
      error.append(row.error() == null ? "" : row.error());
    }
    System.out.printf(
        "%d answered, %d failed%s%n",
        result.succeeded(), result.failed(), result.complete() ? "" : " (stopped; rerun resumes)");
    return tech.tablesaw.api.Table.create("inference", checkpoint, prompt, response, error);
  }

  /** {@code %fairl_memory}; plain Java: {@code MemoryReport.now().table()}. */
  static Object memory(BaseKernel kernel, List<String> raw) {
    Args.parse("%fairl_memory", raw, Set.of(), Set.of());
    return MemoryReport.now().table();
  }

  /**
   * {@code %%fairl_reward NAME --samples FILE.jsonl | --var VARIABLE}; the body is a Java
   * expression of type {@link RewardFunction} (a lambda or {@code new MyReward()}). Declares {@code
   * NAME} in the notebook, scores the samples and registers the reward for the next GRPO run. Plain
   * Java: {@link RewardTrial#score} and {@link RewardTrial#register}.
   */
  static Object reward(BaseKernel kernel, List<String> raw, String body) {
    Args a = Args.parse("%%fairl_reward", raw, Set.of(), Set.of("samples", "var"));
    if (a.positional().size() != 1) {
      throw new IllegalArgumentException(
          "%%fairl_reward takes one name, e.g. %%fairl_reward short_answers --samples s.jsonl;"
              + " got "
              + a.positional());
    }
    String name = a.positional().get(0);
    if (!name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new IllegalArgumentException(
          "%%fairl_reward: the name must be a Java identifier, got " + name);
    }
    String expr = body.strip();
    while (expr.endsWith(";")) {
      expr = expr.substring(0, expr.length() - 1).strip();
    }
    if (expr.isEmpty()) {
      throw new IllegalArgumentException(
          "%%fairl_reward: the cell body must be a RewardFunction expression, e.g."
              + " (prompts, completions, columns) -> new double[completions.size()]");
    }
    kernel.evalRaw("ai.fairl.reward.RewardFunction " + name + " = (" + expr + ");");
    Object fn = kernel.evalRaw(name);
    if (!(fn instanceof RewardFunction rf)) {
      throw new IllegalStateException(
          "%%fairl_reward: " + name + " did not evaluate to a RewardFunction");
    }
    RewardFunction named = named(name, rf);
    List<Map<String, Object>> samples;
    if (a.options().containsKey("samples")) {
      samples = RewardTrial.readSamples(Path.of(a.options().get("samples")));
    } else if (a.options().containsKey("var")) {
      Object v = kernel.evalRaw(a.options().get("var"));
      samples = asSamples(a.options().get("var"), v);
    } else {
      throw new IllegalArgumentException(
          "%%fairl_reward: give samples to try it on: --samples FILE.jsonl (lines with"
              + " \"completion\", optional \"prompt\" and columns) or --var NAME (a List<Map>)");
    }
    var table = RewardTrial.score(named, samples);
    RewardTrial.register(name, named);
    System.out.println(
        "reward "
            + name
            + " registered for the next GRPO run from this notebook ("
            + samples.size()
            + " samples scored)");
    return table;
  }

  private static RewardFunction named(String name, RewardFunction fn) {
    return new RewardFunction() {
      @Override
      public double[] score(
          List<String> prompts, List<String> completions, List<Map<String, Object>> columns) {
        return fn.score(prompts, completions, columns);
      }

      @Override
      public String name() {
        return name;
      }
    };
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> asSamples(String var, Object v) {
    if (v instanceof List<?> list && list.stream().allMatch(e -> e instanceof Map)) {
      return (List<Map<String, Object>>) v;
    }
    throw new IllegalArgumentException(
        "%%fairl_reward --var "
            + var
            + ": expected a List<Map<String, Object>>, got "
            + (v == null ? "null" : v.getClass().getName()));
  }

  /** A magic whose core API has not landed in this build: a clear error naming what is missing. */
  static Object notAvailable(String magic, String needs, String plainJava) {
    throw new UnsupportedOperationException(
        magic
            + " is not available in this build: it needs "
            + needs
            + ", which has not been merged yet. Plain-Java equivalent once it lands: "
            + plainJava);
  }

  static DisplayData markdown(String md) {
    DisplayData d = new DisplayData(md);
    d.putMarkdown(md);
    return d;
  }
}
