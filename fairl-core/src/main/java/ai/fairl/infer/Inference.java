/*
 * The inference engine behind fai-rl-inference and the evaluations: answers every row with every
 * checkpoint in batches, appends each answer to <stem>.jsonl as it arrives, and writes FAI-RL's CSV
 * (dataset_columns..., [checkpoint], response) and <stem>_summary.json at the end.
 * Departures from FAI-RL: batched and concurrent instead of one row at a time; a failed row is kept
 * (empty response, its error in the JSONL and summary) instead of dropped; reruns resume; the
 * summary never holds the API key (B9); output_file with another extension still gets a
 * <stem>.csv and a <stem>_summary.json beside it rather than one overwriting the other.
 */
package ai.fairl.infer;

import ai.fairl.train.StopSignal;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** Runs inference jobs. */
public final class Inference {
  private static final Gson GSON =
      new GsonBuilder().disableHtmlEscaping().serializeNulls().setPrettyPrinting().create();

  private Inference() {}

  /** Runs a job to the end, printing progress to standard error. */
  public static InferenceResult execute(InferenceJob job) {
    return execute(job, new StopSignal(), System.err);
  }

  /**
   * Runs a job; when {@code stop} is requested the run ends after the batch in flight, writes what
   * it has, and reports {@code complete == false}.
   */
  public static InferenceResult execute(InferenceJob job, StopSignal stop, PrintStream console) {
    return execute(job, stop, console, false);
  }

  /**
   * As {@link #execute(InferenceJob, StopSignal, PrintStream)}; with {@code debug} each prompt and
   * the first 200 characters of its response are printed (FAI-RL's {@code --debug}).
   */
  public static InferenceResult execute(
      InferenceJob job, StopSignal stop, PrintStream console, boolean debug) {
    long t0 = System.nanoTime();
    Instant started = Instant.now();
    List<String> labels = job.checkpoints().stream().map(CheckpointSource::label).toList();
    ResultLog log = new ResultLog(job.jsonlFile());
    Map<String, RowResult> existing = log.readExisting();
    Map<String, RowResult> results = new java.util.HashMap<>();
    int reused = 0;
    boolean stopped = false;
    List<String> notices = new ArrayList<>();
    long promptTokens = 0;
    long completionTokens = 0;
    try {
      for (CheckpointSource src : job.checkpoints()) {
        String ckpt = job.multiCheckpoint() ? src.label() : null;
        List<InferenceItem> pending = new ArrayList<>();
        for (InferenceItem it : job.items()) {
          String fp = fingerprint(src.label(), job.params(), it.prompt());
          RowResult old = existing.get(ResultLog.key(ckpt, it.index()));
          if (old != null && old.succeeded() && fp.equals(old.fingerprint())) {
            results.put(ResultLog.key(ckpt, it.index()), old);
            reused++;
          } else {
            pending.add(it);
          }
        }
        if (pending.isEmpty()) {
          console.println(src.label() + ": all " + job.items().size() + " rows already answered");
          continue;
        }
        if (stop.requested()) {
          stopped = true;
          break;
        }
        if (pending.size() < job.items().size()) {
          console.println(
              src.label()
                  + ": resuming, "
                  + (job.items().size() - pending.size())
                  + " rows already answered in "
                  + job.jsonlFile().getFileName());
        }
        Progress progress =
            new Progress(
                console, src.label(), pending.size(), console == System.err && Progress.terminal());
        try (TextGenerator g = src.open().get()) {
          int batch = Math.max(1, g.batchSize());
          for (int from = 0; from < pending.size(); from += batch) {
            if (stop.requested()) {
              stopped = true;
              break;
            }
            List<InferenceItem> chunk =
                pending.subList(from, Math.min(pending.size(), from + batch));
            List<Prompt> prompts = chunk.stream().map(InferenceItem::prompt).toList();
            long b0 = System.nanoTime();
            List<Completion> out = g.generate(prompts, job.params());
            double perRow = (System.nanoTime() - b0) / 1e9 / chunk.size();
            if (out.size() != chunk.size()) {
              throw new IllegalStateException(
                  g.name()
                      + " returned "
                      + out.size()
                      + " answers for "
                      + chunk.size()
                      + " prompts");
            }
            List<RowResult> rows = new ArrayList<>();
            int failedHere = 0;
            for (int i = 0; i < chunk.size(); i++) {
              InferenceItem it = chunk.get(i);
              Completion c = out.get(i);
              RowResult r =
                  new RowResult(
                      it.index(),
                      ckpt,
                      it.columns(),
                      c.text(),
                      c.error(),
                      c.promptTokens(),
                      c.completionTokens(),
                      perRow,
                      fingerprint(src.label(), job.params(), it.prompt()));
              if (debug) {
                console.println("=".repeat(50) + "\nrow " + it.index() + " (" + src.label() + ")");
                if (it.prompt().system() != null) {
                  console.println("SYSTEM:\n" + it.prompt().system());
                }
                console.println("PROMPT:\n" + it.prompt().user() + "\n" + "-".repeat(30));
                String shown = c.succeeded() ? c.text() : "FAILED: " + c.error();
                console.println(
                    "RESPONSE:\n"
                        + (shown.length() > 200 ? shown.substring(0, 200) + "..." : shown));
              }
              if (!c.succeeded()) {
                failedHere++;
                if (failedHere == 1 && !debug) {
                  console.println("row " + it.index() + " failed: " + c.error());
                }
              }
              rows.add(r);
              results.put(ResultLog.key(ckpt, it.index()), r);
            }
            log.append(rows);
            progress.advance(chunk.size(), failedHere);
          }
          if (g instanceof ApiGenerator api) {
            notices.addAll(api.notices());
          }
        }
        if (stopped) {
          break;
        }
      }
    } finally {
      log.close();
    }
    // every row and checkpoint, in dataset order; unanswered rows of a stopped run are absent
    List<RowResult> ordered = new ArrayList<>();
    for (InferenceItem it : job.items()) {
      for (String label : labels) {
        RowResult r = results.get(ResultLog.key(job.multiCheckpoint() ? label : null, it.index()));
        if (r != null) {
          ordered.add(r);
        }
      }
    }
    List<RowResult> keep = new ArrayList<>(ordered);
    // rows of this log that this job does not cover (another dataset size) are dropped on
    // compaction
    log.compact(keep, job.multiCheckpoint() ? labels : java.util.Collections.singletonList(null));
    int ok = 0;
    int bad = 0;
    for (RowResult r : ordered) {
      if (r.succeeded()) {
        ok++;
      } else {
        bad++;
      }
      promptTokens += Math.max(0, r.promptTokens());
      completionTokens += Math.max(0, r.completionTokens());
    }
    writeCsv(job, ordered);
    double wall = (System.nanoTime() - t0) / 1e9;
    boolean complete = !stopped && ordered.size() == job.items().size() * labels.size();
    JsonObject s = new JsonObject();
    s.addProperty("total_examples", job.items().size());
    s.addProperty("num_checkpoints", labels.size());
    s.addProperty("total_expected_results", job.items().size() * labels.size());
    s.addProperty("successful_examples", ok);
    s.addProperty("failed_examples", bad);
    s.addProperty("unanswered_examples", job.items().size() * labels.size() - ordered.size());
    s.addProperty("complete", complete);
    s.addProperty("resumed_examples", reused);
    s.add("checkpoints", GSON.toJsonTree(labels));
    s.add("dataset_columns_used", GSON.toJsonTree(job.datasetColumns()));
    for (Map.Entry<String, Object> e : job.summaryFacts().entrySet()) {
      s.add(e.getKey(), GSON.toJsonTree(e.getValue()));
    }
    JsonObject gen = new JsonObject();
    gen.addProperty("temperature", job.params().temperature());
    gen.addProperty("top_p", job.params().topP());
    gen.addProperty("max_new_tokens", job.params().maxNewTokens());
    gen.addProperty("do_sample", job.params().doSample());
    s.add("generation", gen);
    JsonObject timing = new JsonObject();
    timing.addProperty("started_at", started.toString());
    timing.addProperty("finished_at", Instant.now().toString());
    timing.addProperty("wall_seconds", Math.round(wall * 1000) / 1000.0);
    int answeredNow = ordered.size() - reused;
    timing.addProperty(
        "rows_per_second", wall > 0 ? Math.round(answeredNow / wall * 1000) / 1000.0 : 0);
    s.add("timing", timing);
    JsonObject tokens = new JsonObject();
    tokens.addProperty("prompt_tokens", promptTokens);
    tokens.addProperty("completion_tokens", completionTokens);
    s.add("tokens", tokens);
    JsonArray failures = new JsonArray();
    for (RowResult r : ordered) {
      if (!r.succeeded() && failures.size() < 100) {
        JsonObject f = new JsonObject();
        f.addProperty("index", r.index());
        f.addProperty("checkpoint", r.checkpoint());
        f.addProperty("error", r.error());
        failures.add(f);
      }
    }
    s.add("failures", failures);
    s.add("notices", GSON.toJsonTree(notices));
    AtomicFiles.write(job.summaryFile(), w -> w.write(GSON.toJson(s) + "\n"));
    console.println(
        (complete ? "Results saved to " : "Stopped; partial results saved to ")
            + job.csvFile()
            + " ("
            + ok
            + " answered, "
            + bad
            + " failed"
            + (reused > 0 ? ", " + reused + " reused from an earlier run" : "")
            + ")");
    return new InferenceResult(
        ordered,
        job.csvFile(),
        job.jsonlFile(),
        job.summaryFile(),
        complete,
        reused,
        ok,
        bad,
        wall);
  }

  /**
   * Runs an {@code inference:} recipe as {@code fai-rl-inference} does (the CLI finds this method
   * by name): API keys from the recipe or the environment, local models on the given device, Ctrl-C
   * stops after the batch in flight.
   */
  public static InferenceResult run(
      ai.fairl.recipe.InferenceRecipe recipe, ai.fairl.recipe.RunOptions options) {
    InferenceSpec spec = RecipeRuns.spec(recipe.inference());
    return RecipeRuns.withInterrupt(
        stop ->
            run(
                spec,
                LocalModels.loader(options, recipe.inference().seed()),
                System::getenv,
                stop,
                System.err,
                options.debug()));
  }

  /**
   * Runs an inference recipe: loads the dataset, renders the prompts, opens the models (local ones
   * through {@code loader}, API ones with keys from the recipe or {@code env}) and executes.
   */
  public static InferenceResult run(
      InferenceSpec spec,
      ModelLoader loader,
      java.util.function.Function<String, String> env,
      StopSignal stop,
      PrintStream console) {
    return run(spec, loader, env, stop, console, false);
  }

  /** As above; {@code debug} prints every prompt and response (FAI-RL's --debug). */
  public static InferenceResult run(
      InferenceSpec spec,
      ModelLoader loader,
      java.util.function.Function<String, String> env,
      StopSignal stop,
      PrintStream console,
      boolean debug) {
    List<Map<String, Object>> rows =
        DatasetRows.load(spec.datasetName(), spec.datasetSplit(), null);
    List<InferenceItem> items = items(spec, rows);
    Map<String, Object> facts = new java.util.LinkedHashMap<>();
    facts.put("inference_type", spec.inferenceType());
    facts.put(
        "model_info", spec.api() || spec.modelPaths().isEmpty() ? spec.model() : spec.modelPaths());
    facts.put("dataset_name", spec.datasetName());
    facts.put("dataset_split", spec.datasetSplit());
    facts.put("system_prompt", spec.systemPrompt());
    if (spec.userPrompt() != null) {
      facts.put("user_prompt", spec.userPrompt());
    }
    List<CheckpointSource> sources = sources(spec, loader, env, facts, console);
    InferenceJob job =
        new InferenceJob(
            items,
            sources,
            spec.params(),
            spec.outputFile(),
            spec.datasetColumns(),
            spec.responseColumn(),
            spec.checkpointColumn(),
            facts);
    return execute(job, stop, console, debug);
  }

  /** The models of a recipe, each opened only when needed. */
  public static List<CheckpointSource> sources(
      InferenceSpec spec,
      ModelLoader loader,
      java.util.function.Function<String, String> env,
      Map<String, Object> facts,
      PrintStream console) {
    if (spec.api()) {
      ApiProvider provider =
          spec.apiProvider() != null
              ? ApiProvider.named(spec.apiProvider())
              : ApiProvider.detect(spec.apiEndpoint());
      ApiKey key = ApiKey.resolve(spec.apiKey(), provider, env);
      HostedLlmHook hook =
          spec.hostedLlmConfig() == null || spec.hostedLlmConfig().isBlank()
              ? null
              : HostedLlmHook.load(
                  spec.hostedLlmConfig(), Thread.currentThread().getContextClassLoader());
      ApiSettings settings =
          ApiSettings.of(spec.apiEndpoint(), spec.model(), provider, key)
              .withConcurrency(spec.apiConcurrency())
              .withRetries(spec.apiMaxRetries(), null, null)
              .withTimeout(java.time.Duration.ofMillis((long) (spec.apiTimeoutSeconds() * 1000)))
              .withHook(hook);
      facts.put("api_provider", provider.id());
      facts.put("api_endpoint", settings.endpoint());
      facts.put("api_key_source", key.source());
      if (hook != null) {
        facts.put("hosted_llm_config", spec.hostedLlmConfig());
      }
      return List.of(
          new CheckpointSource(
              spec.model(),
              () -> new ApiGenerator(settings, m -> console.println("notice: " + m))));
    }
    if (loader == null) {
      throw new IllegalArgumentException(
          "this run needs a local model but no model loader was given");
    }
    List<String> paths = spec.modelPaths().isEmpty() ? List.of(spec.model()) : spec.modelPaths();
    List<CheckpointSource> out = new ArrayList<>();
    for (String p : paths) {
      out.add(new CheckpointSource(p, () -> loader.open(p, spec.batchSize())));
    }
    return out;
  }

  /**
   * The rows of a recipe with their prompts. Flat mode ({@code user_prompt} unset) needs a {@code
   * system_prompt} with at least one placeholder, as in FAI-RL; a {@code choices} list is rendered
   * as labelled lines ("A. ...").
   */
  public static List<InferenceItem> items(InferenceSpec spec, List<Map<String, Object>> rows) {
    PromptTemplate system = new PromptTemplate("inference.system_prompt", spec.systemPrompt());
    PromptTemplate user =
        spec.userPrompt() == null
            ? null
            : new PromptTemplate("inference.user_prompt", spec.userPrompt());
    if (user == null && !system.hasPlaceholders()) {
      throw new IllegalArgumentException(
          "inference.system_prompt has no {column} placeholder; in flat mode (no user_prompt) it"
              + " is the whole prompt, so name the columns to fill in, e.g. {prompt}, or set"
              + " user_prompt for chat mode");
    }
    if (!rows.isEmpty()) {
      java.util.Set<String> have = rows.get(0).keySet();
      for (String c : spec.datasetColumns()) {
        if (!have.contains(c)) {
          throw new IllegalArgumentException(
              "inference.dataset_columns names "
                  + c
                  + " but the dataset "
                  + spec.datasetName()
                  + " has columns "
                  + have
                  + "; fix dataset_columns");
        }
      }
    }
    int n = spec.maxExamples() > 0 ? Math.min(spec.maxExamples(), rows.size()) : rows.size();
    List<InferenceItem> items = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      Map<String, Object> row = rows.get(i);
      Map<String, Object> view = new java.util.LinkedHashMap<>(row);
      if (view.get("choices") instanceof List<?> choices) {
        view.put("choices", labelled(choices, spec.choiceLabels()));
      }
      Map<String, Object> cols = new java.util.LinkedHashMap<>();
      for (String c : spec.datasetColumns()) {
        cols.put(c, row.get(c));
      }
      Prompt p =
          user == null
              ? Prompt.of(system.render(view, i))
              : Prompt.chat(system.render(view, i), user.render(view, i));
      items.add(new InferenceItem(i, cols, p));
    }
    return items;
  }

  /** FAI-RL's choice list: "A. first\nB. second", numbers past the last label. */
  public static String labelled(List<?> choices, List<String> labels) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < choices.size(); i++) {
      if (i > 0) {
        sb.append('\n');
      }
      sb.append(i < labels.size() ? labels.get(i) : Integer.toString(i + 1))
          .append(". ")
          .append(Values.str(choices.get(i)));
    }
    return sb.toString();
  }

  private static void writeCsv(InferenceJob job, List<RowResult> rows) {
    List<String> header = new ArrayList<>(job.datasetColumns());
    if (job.multiCheckpoint()) {
      header.add(job.checkpointColumn());
    }
    header.add(job.responseColumn());
    List<List<String>> body = new ArrayList<>();
    for (RowResult r : rows) {
      List<String> line = new ArrayList<>();
      for (String c : job.datasetColumns()) {
        line.add(Values.str(r.columns().get(c)));
      }
      if (job.multiCheckpoint()) {
        line.add(r.checkpoint());
      }
      line.add(r.response());
      body.add(line);
    }
    Csv.write(job.csvFile(), header, body);
  }

  static String fingerprint(String model, GenerationParams p, Prompt prompt) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-256");
      String s =
          model
              + "\u0000"
              + p
              + "\u0000"
              + (prompt.system() == null ? "" : prompt.system())
              + "\u0000"
              + prompt.user();
      return HexFormat.of().formatHex(md.digest(s.getBytes(StandardCharsets.UTF_8)), 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
