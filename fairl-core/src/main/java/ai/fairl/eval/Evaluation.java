/*
 * MMLU and GSM8K evaluation, FAI-RL's pipeline (reference section 9) without its faults: the
 * evaluation runs at all (B1), predictions are matched to ground truth by row, not by position,
 * so a failed request counts as an invalid prediction instead of shifting every later row (B10),
 * the dataset is read once, and several checkpoints are compared in one run. Adds lm-evaluation-
 * harness prompts, k-shot, and log-likelihood scoring of the choice letters.
 */
package ai.fairl.eval;

import ai.fairl.infer.AtomicFiles;
import ai.fairl.infer.CheckpointSource;
import ai.fairl.infer.Csv;
import ai.fairl.infer.GenerationParams;
import ai.fairl.infer.Inference;
import ai.fairl.infer.InferenceItem;
import ai.fairl.infer.InferenceJob;
import ai.fairl.infer.InferenceResult;
import ai.fairl.infer.InferenceSpec;
import ai.fairl.infer.ModelLoader;
import ai.fairl.infer.Prompt;
import ai.fairl.infer.PromptTemplate;
import ai.fairl.infer.RowResult;
import ai.fairl.infer.Values;
import ai.fairl.train.StopSignal;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** Runs MMLU and GSM8K evaluations. */
public final class Evaluation {
  private static final Gson GSON =
      new GsonBuilder().disableHtmlEscaping().serializeNulls().setPrettyPrinting().create();

  private Evaluation() {}

  /** A question ready to ask: its prompt, the harness context for log-likelihood, the answer. */
  record Question(
      int index,
      String subject,
      Map<String, Object> columns,
      String prompt,
      int choices,
      String groundTruth) {}

  /**
   * Runs an {@code evaluation:} recipe as {@code fai-rl-eval} does (the CLI finds this method by
   * name).
   */
  public static EvalResult run(
      ai.fairl.recipe.EvaluationRecipe recipe, ai.fairl.recipe.RunOptions options) {
    EvalSpec spec = spec(recipe.evaluation(), options.recipeFile());
    return ai.fairl.infer.RecipeRuns.withInterrupt(
        stop ->
            run(
                spec,
                ai.fairl.infer.LocalModels.loader(options, recipe.evaluation().seed()),
                LocalScorers.loader(options, recipe.evaluation().seed(), spec.batchSize()),
                System::getenv,
                stop,
                System.err,
                options.debug()));
  }

  /** The spec of an {@code evaluation:} recipe section. */
  public static EvalSpec spec(ai.fairl.recipe.Evaluation r, Path recipeFile) {
    return EvalSpec.builder()
        .modelPaths(r.modelPaths())
        .model(r.model())
        .api(r.apiEndpoint(), r.apiKey(), ai.fairl.infer.RecipeRuns.provider(r.provider()))
        .dataset(r.datasetName(), r.datasetSubset(), r.datasetSplit())
        .outputFile(Path.of(r.outputFile()))
        .systemPrompt(r.systemPrompt())
        .datasetColumns(r.datasetColumns().isEmpty() ? null : r.datasetColumns())
        .columns(r.groundTruthColumn(), r.responseColumn(), r.checkpointColumn())
        .choiceLabels(r.choiceLabels().isEmpty() ? null : r.choiceLabels())
        .params(new GenerationParams(r.temperature(), r.topP(), r.maxNewTokens(), r.doSample()))
        .scoring(EvalSpec.Scoring.named(r.method()))
        .maxExamples(r.maxExamples() == null ? 0 : r.maxExamples())
        .batchSize(r.batchSize())
        .hostedLlmConfig(r.hostedLlmConfig())
        .apiClient(r.apiConcurrency(), r.apiMaxRetries(), r.apiTimeoutSeconds())
        .numFewshot(r.numFewshot())
        .recipePath(recipeFile == null ? null : recipeFile.toString())
        .build();
  }

  /**
   * Runs an evaluation recipe: local models through {@code loader} (generation) or {@code scorers}
   * (log-likelihood), API models with keys from the recipe or {@code env}.
   */
  public static EvalResult run(
      EvalSpec spec,
      ModelLoader loader,
      ScorerLoader scorers,
      Function<String, String> env,
      StopSignal stop,
      PrintStream console) {
    return run(spec, loader, scorers, env, stop, console, false);
  }

  /** As above; {@code debug} prints every prompt and response (FAI-RL's --debug). */
  public static EvalResult run(
      EvalSpec spec,
      ModelLoader loader,
      ScorerLoader scorers,
      Function<String, String> env,
      StopSignal stop,
      PrintStream console,
      boolean debug) {
    if (spec.scoring() == EvalSpec.Scoring.LOGLIKELIHOOD && !spec.systemPrompt().isBlank()) {
      console.println(
          "notice: evaluation.system_prompt is not used by method: loglikelihood, which scores the"
              + " lm-evaluation-harness prompt");
    }
    List<Question> questions = questions(spec);
    Map<String, Object> facts = new LinkedHashMap<>();
    facts.put("evaluation_dataset", spec.datasetName());
    facts.put("benchmark", spec.benchmark().name().toLowerCase(java.util.Locale.ROOT));
    facts.put("system_prompt", spec.systemPrompt());
    InferenceSpec ispec = inferenceSpec(spec);
    facts.put("inference_type", ispec.inferenceType());
    List<String> labels;
    Map<String, Map<Integer, String>> responses = new LinkedHashMap<>();
    boolean complete = true;
    if (spec.scoring() == EvalSpec.Scoring.GENERATE) {
      List<CheckpointSource> sources = Inference.sources(ispec, loader, env, facts, console);
      labels = sources.stream().map(CheckpointSource::label).toList();
      List<InferenceItem> items = new ArrayList<>();
      for (Question q : questions) {
        items.add(new InferenceItem(q.index(), q.columns(), Prompt.of(q.prompt())));
      }
      InferenceJob job =
          new InferenceJob(
              items,
              sources,
              spec.params(),
              spec.outputFile(),
              csvColumns(spec),
              spec.responseColumn(),
              spec.checkpointColumn(),
              facts);
      InferenceResult ir = Inference.execute(job, stop, console, debug);
      complete = ir.complete();
      for (String l : labels) {
        responses.put(l, new LinkedHashMap<>());
      }
      for (RowResult r : ir.rows()) {
        String l = r.checkpoint() == null ? labels.get(0) : r.checkpoint();
        responses.get(l).put(r.index(), r.succeeded() ? r.response() : null);
      }
    } else {
      if (scorers == null) {
        throw new IllegalArgumentException("log-likelihood scoring needs a scorer loader");
      }
      labels = spec.modelPaths().isEmpty() ? List.of(spec.model()) : spec.modelPaths();
      for (String l : labels) {
        Map<Integer, String> m = new LinkedHashMap<>();
        try (ChoiceScorer s = scorers.open(l)) {
          ai.fairl.infer.Progress p =
              new ai.fairl.infer.Progress(console, l, questions.size(), false);
          int batch = Math.max(1, s.batchSize());
          // longest first: a batch pads to its longest prompt, so similar lengths share a batch,
          // and the slowest batches come first (the ETA errs long); results go by index
          List<Question> byLength = new ArrayList<>(questions);
          byLength.sort(
              java.util.Comparator.comparingInt((Question q) -> q.prompt().length()).reversed());
          for (int from = 0; from < byLength.size(); from += batch) {
            if (stop.requested()) {
              complete = false;
              break;
            }
            List<Question> chunk = byLength.subList(from, Math.min(byLength.size(), from + batch));
            List<double[]> lls =
                s.logLikelihoods(
                    chunk.stream().map(Question::prompt).toList(),
                    chunk.stream().map(q -> EvalPrompts.mmluContinuations(q.choices())).toList());
            for (int k = 0; k < chunk.size(); k++) {
              double[] ll = lls.get(k);
              int best = 0;
              for (int i = 1; i < ll.length; i++) {
                if (ll[i] > ll[best]) {
                  best = i;
                }
              }
              m.put(chunk.get(k).index(), spec.choiceLabels().get(best));
            }
            p.advance(chunk.size(), 0);
          }
        }
        responses.put(l, m);
        if (!complete) {
          break;
        }
      }
    }
    return score(spec, questions, labels, responses, complete, console);
  }

  private static InferenceSpec inferenceSpec(EvalSpec spec) {
    return InferenceSpec.builder()
        .modelPaths(spec.modelPaths())
        .model(spec.model())
        .api(spec.apiEndpoint(), spec.apiKey(), spec.apiProvider())
        .hostedLlmConfig(spec.hostedLlmConfig())
        .dataset(spec.datasetName(), spec.datasetSplit())
        .outputFile(spec.outputFile())
        .systemPrompt(spec.systemPrompt())
        .datasetColumns(spec.datasetColumns())
        .params(spec.params())
        .apiClient(spec.apiConcurrency(), spec.apiMaxRetries(), spec.apiTimeoutSeconds())
        .batchSize(spec.batchSize())
        .build();
  }

  private static List<String> csvColumns(EvalSpec spec) {
    List<String> cols = new ArrayList<>(spec.datasetColumns());
    if (spec.benchmark() == EvalSpec.Benchmark.MMLU && !cols.contains("subject")) {
      cols.add("subject");
    }
    return cols;
  }

  /** The questions of a recipe with their prompts, in dataset order. */
  static List<Question> questions(EvalSpec spec) {
    PromptTemplate template =
        spec.systemPrompt().isBlank() || spec.scoring() == EvalSpec.Scoring.LOGLIKELIHOOD
            ? null
            : new PromptTemplate("evaluation.system_prompt", spec.systemPrompt());
    if (template != null && !template.hasPlaceholders()) {
      throw new IllegalArgumentException(
          "evaluation.system_prompt has no {column} placeholder such as {question}; it is the"
              + " whole prompt, so name the columns to fill in, or clear it for the harness"
              + " prompt");
    }
    ChoiceExtractor labels = new ChoiceExtractor(spec.choiceLabels());
    List<Question> out = new ArrayList<>();
    if (spec.benchmark() == EvalSpec.Benchmark.MMLU) {
      List<String> subjects = MmluSubjects.select(spec.datasetSubset());
      List<MmluQuestion> all =
          BenchmarkData.mmlu(spec.datasetName(), subjects, spec.datasetSplit());
      Map<String, List<MmluQuestion>> dev = new LinkedHashMap<>();
      if (spec.numFewshot() > 0) {
        for (MmluQuestion d : BenchmarkData.mmlu(spec.datasetName(), subjects, "dev")) {
          dev.computeIfAbsent(d.subject(), k -> new ArrayList<>()).add(d);
        }
      }
      Map<String, Integer> perSubject = new LinkedHashMap<>();
      for (MmluQuestion q : all) {
        int seen = perSubject.merge(q.subject(), 1, Integer::sum);
        if (spec.maxExamples() > 0 && seen > spec.maxExamples()) {
          continue;
        }
        if (q.choices().size() > spec.choiceLabels().size()) {
          throw new IllegalArgumentException(
              "a question of "
                  + q.subject()
                  + " has "
                  + q.choices().size()
                  + " choices but evaluation.choice_labels has only "
                  + spec.choiceLabels());
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("question", q.question());
        row.put("choices", q.choices());
        row.put("answer", q.answer());
        row.put("subject", q.subject());
        String prompt;
        if (template != null) {
          Map<String, Object> view = new LinkedHashMap<>(row);
          view.put("choices", Inference.labelled(q.choices(), spec.choiceLabels()));
          prompt = template.render(view, out.size());
        } else {
          List<MmluQuestion> shots = dev.getOrDefault(q.subject(), List.of());
          prompt = EvalPrompts.mmlu(q, shots.subList(0, Math.min(spec.numFewshot(), shots.size())));
        }
        String truth = labels.groundTruth(q.answer()).orElse(null);
        out.add(
            new Question(
                out.size(), q.subject(), columns(spec, row), prompt, q.choices().size(), truth));
      }
    } else {
      String subset = spec.datasetSubset() == null ? "main" : spec.datasetSubset();
      List<Gsm8kQuestion> all =
          BenchmarkData.gsm8k(spec.datasetName(), subset, spec.datasetSplit());
      List<Gsm8kQuestion> shots =
          spec.numFewshot() > 0
              ? BenchmarkData.gsm8k(spec.datasetName(), subset, "train")
                  .subList(0, spec.numFewshot())
              : List.of();
      int n = spec.maxExamples() > 0 ? Math.min(spec.maxExamples(), all.size()) : all.size();
      for (int i = 0; i < n; i++) {
        Gsm8kQuestion q = all.get(i);
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("question", q.question());
        row.put("answer", q.solution());
        String prompt = template != null ? template.render(row, i) : EvalPrompts.gsm8k(q, shots);
        out.add(new Question(i, null, columns(spec, row), prompt, 0, q.answer()));
      }
    }
    return out;
  }

  private static Map<String, Object> columns(EvalSpec spec, Map<String, Object> row) {
    Map<String, Object> cols = new LinkedHashMap<>();
    for (String c : csvColumns(spec)) {
      if (!row.containsKey(c)) {
        throw new IllegalArgumentException(
            "evaluation.dataset_columns names "
                + c
                + " but "
                + spec.benchmark()
                + " rows have "
                + row.keySet()
                + "; fix dataset_columns");
      }
      cols.put(c, row.get(c));
    }
    if (!row.containsKey(spec.groundTruthColumn())) {
      throw new IllegalArgumentException(
          "evaluation.ground_truth_column "
              + spec.groundTruthColumn()
              + " is not a column of "
              + spec.benchmark()
              + " (columns "
              + row.keySet()
              + ")");
    }
    return cols;
  }

  /**
   * Scores responses (by checkpoint, then row index; a missing or null response is an invalid
   * prediction), writes {@code -eval.csv}, {@code -eval-summary.json} and the subject chart, and
   * prints the table.
   */
  static EvalResult score(
      EvalSpec spec,
      List<Question> questions,
      List<String> labels,
      Map<String, Map<Integer, String>> responses,
      boolean complete,
      PrintStream console) {
    boolean multi = labels.size() > 1;
    ChoiceExtractor choice = new ChoiceExtractor(spec.choiceLabels());
    List<EvalRecord> records = new ArrayList<>();
    Map<String, Metrics> overall = new LinkedHashMap<>();
    Map<String, Map<String, Metrics>> byCategory = new LinkedHashMap<>();
    Map<String, Map<String, Metrics>> bySubject = new LinkedHashMap<>();
    for (String l : labels) {
      Map<Integer, String> answers = responses.getOrDefault(l, Map.of());
      Metrics m = Metrics.EMPTY;
      Map<String, Metrics> cat = new LinkedHashMap<>();
      Map<String, Metrics> sub = new LinkedHashMap<>();
      for (String c :
          List.of(
              MmluSubjects.STEM,
              MmluSubjects.HUMANITIES,
              MmluSubjects.SOCIAL_SCIENCES,
              MmluSubjects.OTHER)) {
        if (spec.benchmark() == EvalSpec.Benchmark.MMLU) {
          cat.put(c, Metrics.EMPTY);
        }
      }
      for (Question q : questions) {
        if (!answers.containsKey(q.index()) && !complete) {
          continue; // not asked yet in a stopped run
        }
        String response = answers.get(q.index());
        Optional<String> pred =
            spec.benchmark() == EvalSpec.Benchmark.MMLU
                ? choice.extract(response)
                : NumberExtractor.extract(response);
        boolean ok =
            pred.isPresent()
                && q.groundTruth() != null
                && pred.get().strip().equalsIgnoreCase(q.groundTruth().strip());
        records.add(
            new EvalRecord(
                multi ? l : null,
                q.index(),
                q.subject(),
                q.columns(),
                response,
                pred.orElse(null),
                q.groundTruth(),
                ok));
        m = m.add(pred.isPresent(), ok);
        if (q.subject() != null) {
          boolean v = pred.isPresent();
          sub.merge(q.subject(), Metrics.EMPTY.add(v, ok), Evaluation::sum);
          cat.merge(MmluSubjects.category(q.subject()), Metrics.EMPTY.add(v, ok), Evaluation::sum);
        }
      }
      overall.put(l, m);
      cat.values().removeIf(x -> x.total() == 0);
      byCategory.put(l, cat);
      bySubject.put(l, sub);
    }
    writeEvalCsv(spec, records, multi);
    tech.tablesaw.api.Table table = ResultTables.table(overall, byCategory, bySubject);
    Path chart = null;
    if (spec.benchmark() == EvalSpec.Benchmark.MMLU) {
      chart = ResultTables.subjectChart(bySubject, spec.subjectsChart(), spec.stem());
    }
    writeSummary(spec, labels, overall, byCategory, bySubject, complete, multi);
    console.println(ResultTables.console(table, bySubject.values().iterator().next().size() <= 12));
    console.println("Evaluation results saved to " + spec.evalCsv() + " and " + spec.evalSummary());
    return new EvalResult(
        records,
        overall,
        byCategory,
        bySubject,
        table,
        spec.evalCsv(),
        spec.evalSummary(),
        chart,
        complete);
  }

  private static Metrics sum(Metrics a, Metrics b) {
    return new Metrics(a.total() + b.total(), a.correct() + b.correct(), a.valid() + b.valid());
  }

  private static void writeEvalCsv(EvalSpec spec, List<EvalRecord> records, boolean multi) {
    List<String> header = new ArrayList<>(csvColumns(spec));
    if (multi) {
      header.add(spec.checkpointColumn());
    }
    header.addAll(List.of("prediction", "ground_truth", "correct"));
    List<List<String>> rows = new ArrayList<>();
    List<EvalRecord> sorted = new ArrayList<>(records);
    sorted.sort(
        java.util.Comparator.comparingInt(EvalRecord::index)); // stable: checkpoints stay in order
    for (EvalRecord r : sorted) {
      List<String> line = new ArrayList<>();
      for (String c : csvColumns(spec)) {
        line.add(Values.str(r.columns().get(c)));
      }
      if (multi) {
        line.add(r.checkpoint());
      }
      line.add(r.prediction() == null ? "" : r.prediction());
      line.add(r.groundTruth() == null ? "" : r.groundTruth());
      line.add(r.correct() ? "True" : "False");
      rows.add(line);
    }
    Csv.write(spec.evalCsv(), header, rows);
  }

  static JsonObject metricsJson(Metrics m) {
    JsonObject o = new JsonObject();
    o.addProperty("overall_accuracy", m.overallAccuracy());
    o.addProperty("valid_accuracy", m.validAccuracy());
    o.addProperty("extraction_success_rate", m.extractionSuccessRate());
    o.addProperty("total_examples", m.total());
    o.addProperty("correct_predictions", m.correct());
    o.addProperty("valid_predictions", m.valid());
    o.addProperty("invalid_predictions", m.invalid());
    return o;
  }

  private static JsonObject groups(Map<String, Metrics> g) {
    JsonObject o = new JsonObject();
    g.forEach((k, v) -> o.add(k, metricsJson(v)));
    return o;
  }

  private static void writeSummary(
      EvalSpec spec,
      List<String> labels,
      Map<String, Metrics> overall,
      Map<String, Map<String, Metrics>> byCategory,
      Map<String, Map<String, Metrics>> bySubject,
      boolean complete,
      boolean multi) {
    JsonObject s = new JsonObject();
    s.addProperty("recipe_path", spec.recipePath());
    s.addProperty("evaluation_dataset", spec.datasetName());
    s.addProperty("evaluation_subset", spec.datasetSubset());
    s.addProperty("evaluation_split", spec.datasetSplit());
    s.addProperty("benchmark", spec.benchmark().name().toLowerCase(java.util.Locale.ROOT));
    s.addProperty("scoring", spec.scoring().name().toLowerCase(java.util.Locale.ROOT));
    s.addProperty("num_fewshot", spec.numFewshot());
    s.addProperty(
        "prompt",
        spec.systemPrompt().isBlank() ? "lm-evaluation-harness" : "system_prompt template");
    s.addProperty("ground_truth_column", spec.groundTruthColumn());
    s.add("dataset_columns", GSON.toJsonTree(spec.datasetColumns()));
    s.addProperty("system_prompt", spec.systemPrompt());
    s.add("checkpoints", GSON.toJsonTree(labels));
    GenerationParams g = spec.params();
    JsonObject gen = new JsonObject();
    gen.addProperty("temperature", g.temperature());
    gen.addProperty("top_p", g.topP());
    gen.addProperty("max_new_tokens", g.maxNewTokens());
    gen.addProperty("do_sample", g.doSample());
    s.add("generation", gen);
    s.add("metrics", keyed(labels, multi, l -> metricsJson(overall.get(l))));
    if (spec.benchmark() == EvalSpec.Benchmark.MMLU) {
      s.add("per_category", keyed(labels, multi, l -> groups(byCategory.get(l))));
      s.add("per_subject", keyed(labels, multi, l -> groups(bySubject.get(l))));
    }
    s.addProperty("complete", complete);
    s.addProperty("timestamp", Instant.now().toString());
    AtomicFiles.write(spec.evalSummary(), w -> w.write(GSON.toJson(s) + "\n"));
  }

  private static JsonElement keyed(
      List<String> labels, boolean multi, Function<String, JsonElement> f) {
    if (!multi) {
      return f.apply(labels.get(0));
    }
    JsonObject o = new JsonObject();
    for (String l : labels) {
      o.add(l, f.apply(l));
    }
    return o;
  }
}
