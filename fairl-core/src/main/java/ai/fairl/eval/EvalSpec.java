package ai.fairl.eval;

import ai.fairl.infer.GenerationParams;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * An evaluation in FAI-RL's terms (the {@code evaluation:} recipe section, reference 2.7) plus
 * ours: {@code benchmark} (mmlu or gsm8k; by default from dataset_name), {@code num_fewshot},
 * {@code scoring} (generate, or loglikelihood for MMLU on local models) and {@code max_examples}
 * (per subject for MMLU, in total for GSM8K; 0 = all). An empty {@code system_prompt} selects the
 * lm-evaluation-harness prompt; a template selects FAI-RL's prompt. Log-likelihood scoring always
 * uses the harness prompt (a system_prompt is then ignored, with a notice). Build with {@link
 * #builder()}.
 */
public record EvalSpec(
    List<String> modelPaths,
    String model,
    String apiEndpoint,
    String apiKey,
    String apiProvider,
    String hostedLlmConfig,
    Benchmark benchmark,
    String datasetName,
    String datasetSubset,
    String datasetSplit,
    Path outputFile,
    String systemPrompt,
    List<String> datasetColumns,
    String groundTruthColumn,
    String responseColumn,
    String checkpointColumn,
    List<String> choiceLabels,
    GenerationParams params,
    int numFewshot,
    Scoring scoring,
    int maxExamples,
    int apiConcurrency,
    int apiMaxRetries,
    double apiTimeoutSeconds,
    int batchSize,
    String recipePath) {

  /** The benchmarks. */
  public enum Benchmark {
    MMLU,
    GSM8K;

    /** The benchmark a dataset name stands for, or null when it names neither. */
    public static Benchmark infer(String datasetName) {
      String n = datasetName == null ? "" : datasetName.toLowerCase(Locale.ROOT);
      if (n.contains("mmlu")) {
        return MMLU;
      }
      if (n.contains("gsm8k")) {
        return GSM8K;
      }
      return null;
    }
  }

  /** How answers are scored. */
  public enum Scoring {
    /** Generate a response and extract the answer with FAI-RL's ladder. */
    GENERATE,
    /** Compare the log-likelihoods of the continuations " A" .. " D" (local models, MMLU). */
    LOGLIKELIHOOD;

    public static Scoring named(String s) {
      String n = s.strip().toLowerCase(Locale.ROOT).replace("-", "").replace("_", "");
      return switch (n) {
        case "generate", "generation" -> GENERATE;
        case "loglikelihood", "loglik" -> LOGLIKELIHOOD;
        default ->
            throw new IllegalArgumentException(
                "evaluation.method must be generate or loglikelihood, got \"" + s + "\"");
      };
    }
  }

  public EvalSpec {
    modelPaths = modelPaths == null ? List.of() : List.copyOf(modelPaths);
    if (benchmark == null) {
      benchmark = Benchmark.infer(datasetName);
      if (benchmark == null) {
        throw new IllegalArgumentException(
            "evaluation.dataset_name "
                + datasetName
                + " is neither MMLU nor GSM8K; set evaluation.benchmark to mmlu or gsm8k");
      }
    }
    datasetSplit = datasetSplit == null || datasetSplit.isBlank() ? "test" : datasetSplit;
    systemPrompt = systemPrompt == null ? "" : systemPrompt;
    if (datasetColumns == null) {
      datasetColumns =
          benchmark == Benchmark.MMLU
              ? List.of("question", "choices", "answer")
              : List.of("question", "answer");
    } else {
      datasetColumns = List.copyOf(datasetColumns);
    }
    groundTruthColumn = groundTruthColumn == null ? "answer" : groundTruthColumn;
    responseColumn = responseColumn == null ? "response" : responseColumn;
    checkpointColumn = checkpointColumn == null ? "checkpoint" : checkpointColumn;
    choiceLabels =
        choiceLabels == null
            ? List.of("A", "B", "C", "D", "E", "F", "G", "H", "I", "J")
            : List.copyOf(choiceLabels);
    scoring = scoring == null ? Scoring.GENERATE : scoring;
    if (outputFile == null) {
      throw new IllegalArgumentException("evaluation.output_file is required");
    }
    if (params == null) {
      throw new IllegalArgumentException("generation parameters are required");
    }
    if (numFewshot < 0 || numFewshot > 25) {
      throw new IllegalArgumentException(
          "evaluation.num_fewshot must be in [0, 25], got " + numFewshot);
    }
    if (benchmark == Benchmark.MMLU && numFewshot > 5) {
      throw new IllegalArgumentException(
          "evaluation.num_fewshot: MMLU's dev split has 5 questions per subject, got "
              + numFewshot);
    }
    if (numFewshot > 0 && !systemPrompt.isBlank() && scoring == Scoring.GENERATE) {
      throw new IllegalArgumentException(
          "evaluation.num_fewshot works with the lm-evaluation-harness prompt; clear"
              + " evaluation.system_prompt or set num_fewshot to 0");
    }
    boolean api = apiEndpoint != null || apiKey != null || apiProvider != null;
    if (scoring == Scoring.LOGLIKELIHOOD && api) {
      throw new IllegalArgumentException(
          "evaluation.method: loglikelihood needs a local model's logits; API models use"
              + " method: generate");
    }
    if (scoring == Scoring.LOGLIKELIHOOD && benchmark != Benchmark.MMLU) {
      throw new IllegalArgumentException(
          "evaluation.method: loglikelihood applies to multiple choice (MMLU); GSM8K uses"
              + " generate");
    }
    if (maxExamples < 0) {
      throw new IllegalArgumentException(
          "evaluation.max_examples must be >= 0 (0 = all), got " + maxExamples);
    }
    if (api && (model == null || model.isBlank())) {
      throw new IllegalArgumentException(
          "evaluation.model must name the API model when api_endpoint, api_key or api_provider"
              + " is set");
    }
    if (api && !modelPaths.isEmpty()) {
      throw new IllegalArgumentException(
          "evaluation.model_paths lists local checkpoints but api_endpoint/api_key select API"
              + " mode; remove one of them");
    }
    if (!api && modelPaths.isEmpty() && (model == null || model.isBlank())) {
      throw new IllegalArgumentException(
          "no model: set evaluation.model_paths, evaluation.model, or an API model");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("evaluation.batch_size must be >= 1, got " + batchSize);
    }
  }

  public boolean api() {
    return apiEndpoint != null || apiKey != null || apiProvider != null;
  }

  /** The output file name without its extension ({@code <stem>-eval.csv} and so on). */
  public String stem() {
    String n = outputFile.getFileName().toString();
    int dot = n.lastIndexOf('.');
    return dot > 0 ? n.substring(0, dot) : n;
  }

  public Path evalCsv() {
    return outputFile.resolveSibling(stem() + "-eval.csv");
  }

  public Path evalSummary() {
    return outputFile.resolveSibling(stem() + "-eval-summary.json");
  }

  public Path subjectsChart() {
    return outputFile.resolveSibling(stem() + "-eval-subjects.png");
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Fills an {@link EvalSpec} with FAI-RL's evaluation defaults. */
  public static final class Builder {
    private List<String> modelPaths = List.of();
    private String model;
    private String apiEndpoint;
    private String apiKey;
    private String apiProvider;
    private String hostedLlmConfig;
    private Benchmark benchmark;
    private String datasetName = "cais/mmlu";
    private String datasetSubset;
    private String datasetSplit = "test";
    private Path outputFile = Path.of("outputs/evaluation_results.csv");
    private String systemPrompt = "";
    private List<String> datasetColumns;
    private String groundTruthColumn = "answer";
    private String responseColumn = "response";
    private String checkpointColumn = "checkpoint";
    private List<String> choiceLabels;
    private GenerationParams params = new GenerationParams(1.0, 0.9, 10, false);
    private int numFewshot;
    private Scoring scoring = Scoring.GENERATE;
    private int maxExamples;
    private int apiConcurrency = 8;
    private int apiMaxRetries = 5;
    private double apiTimeoutSeconds = 120;
    private int batchSize = 8;
    private String recipePath;

    public Builder modelPaths(List<String> v) {
      modelPaths = v;
      return this;
    }

    public Builder model(String v) {
      model = v;
      return this;
    }

    public Builder api(String endpoint, String key, String provider) {
      apiEndpoint = endpoint;
      apiKey = key;
      apiProvider = provider;
      return this;
    }

    public Builder hostedLlmConfig(String v) {
      hostedLlmConfig = v;
      return this;
    }

    public Builder benchmark(Benchmark v) {
      benchmark = v;
      return this;
    }

    public Builder dataset(String name, String subset, String split) {
      datasetName = name;
      datasetSubset = subset;
      datasetSplit = split;
      return this;
    }

    public Builder outputFile(Path v) {
      outputFile = v;
      return this;
    }

    public Builder systemPrompt(String v) {
      systemPrompt = v;
      return this;
    }

    public Builder datasetColumns(List<String> v) {
      datasetColumns = v;
      return this;
    }

    public Builder columns(String groundTruth, String response, String checkpoint) {
      groundTruthColumn = groundTruth;
      responseColumn = response;
      checkpointColumn = checkpoint;
      return this;
    }

    public Builder choiceLabels(List<String> v) {
      choiceLabels = v;
      return this;
    }

    public Builder params(GenerationParams v) {
      params = v;
      return this;
    }

    public Builder numFewshot(int v) {
      numFewshot = v;
      return this;
    }

    public Builder scoring(Scoring v) {
      scoring = v;
      return this;
    }

    public Builder maxExamples(int v) {
      maxExamples = v;
      return this;
    }

    public Builder apiClient(int concurrency, int maxRetries, double timeoutSeconds) {
      apiConcurrency = concurrency;
      apiMaxRetries = maxRetries;
      apiTimeoutSeconds = timeoutSeconds;
      return this;
    }

    public Builder batchSize(int v) {
      batchSize = v;
      return this;
    }

    public Builder recipePath(String v) {
      recipePath = v;
      return this;
    }

    public EvalSpec build() {
      return new EvalSpec(
          modelPaths,
          model,
          apiEndpoint,
          apiKey,
          apiProvider,
          hostedLlmConfig,
          benchmark,
          datasetName,
          datasetSubset,
          datasetSplit,
          outputFile,
          systemPrompt,
          datasetColumns,
          groundTruthColumn,
          responseColumn,
          checkpointColumn,
          choiceLabels,
          params,
          numFewshot,
          scoring,
          maxExamples,
          apiConcurrency,
          apiMaxRetries,
          apiTimeoutSeconds,
          batchSize,
          recipePath);
    }
  }
}
