package ai.fairl.infer;

import java.nio.file.Path;
import java.util.List;

/**
 * An inference run in FAI-RL's terms (the {@code inference:} recipe section, reference 2.6), plus
 * our API and batching keys. Mode: API when {@code api_endpoint}, {@code api_key} or {@code
 * api_provider} is set (the key may then come from the environment); else local checkpoints from
 * {@code model_paths} (several: a checkpoint column); else the local or Hub model {@code model}.
 * Build one with {@link #builder()}.
 */
public record InferenceSpec(
    List<String> modelPaths,
    String model,
    String apiEndpoint,
    String apiKey,
    String apiProvider,
    String hostedLlmConfig,
    String datasetName,
    String datasetSplit,
    Path outputFile,
    String systemPrompt,
    String userPrompt,
    List<String> datasetColumns,
    String responseColumn,
    String checkpointColumn,
    List<String> choiceLabels,
    GenerationParams params,
    int apiConcurrency,
    int apiMaxRetries,
    double apiTimeoutSeconds,
    int batchSize,
    int maxExamples) {
  public InferenceSpec {
    modelPaths = modelPaths == null ? List.of() : List.copyOf(modelPaths);
    datasetColumns =
        datasetColumns == null ? List.of("persona", "prompt") : List.copyOf(datasetColumns);
    choiceLabels =
        choiceLabels == null
            ? List.of("A", "B", "C", "D", "E", "F", "G", "H", "I", "J")
            : List.copyOf(choiceLabels);
    datasetSplit = datasetSplit == null ? "test" : datasetSplit;
    systemPrompt = systemPrompt == null ? "" : systemPrompt;
    if (outputFile == null) {
      throw new IllegalArgumentException("inference.output_file is required");
    }
    if (params == null) {
      throw new IllegalArgumentException("generation parameters are required");
    }
    if (batchSize < 1) {
      throw new IllegalArgumentException("inference.batch_size must be >= 1, got " + batchSize);
    }
    if (maxExamples < 0) {
      throw new IllegalArgumentException(
          "inference.max_examples must be >= 0 (0 = all), got " + maxExamples);
    }
    boolean api = apiEndpoint != null || apiKey != null || apiProvider != null;
    if (api && (model == null || model.isBlank())) {
      throw new IllegalArgumentException(
          "inference.model must name the API model (e.g. gpt-4o-mini) when api_endpoint,"
              + " api_key or api_provider is set");
    }
    if (api && !modelPaths.isEmpty()) {
      throw new IllegalArgumentException(
          "inference.model_paths lists local checkpoints but api_endpoint/api_key select API"
              + " mode; remove one of them");
    }
    if (!api && modelPaths.isEmpty() && (model == null || model.isBlank())) {
      throw new IllegalArgumentException(
          "no model: set inference.model_paths (local checkpoints), inference.model (a local or"
              + " Hub model), or inference.model with api_endpoint/api_key (an API)");
    }
  }

  /** True when the rows go to a hosted API. */
  public boolean api() {
    return apiEndpoint != null || apiKey != null || apiProvider != null;
  }

  /** FAI-RL's inference_type: api, multi_checkpoint, local_finetuned or huggingface_vanilla. */
  public String inferenceType() {
    if (api()) {
      return "api";
    }
    if (modelPaths.size() > 1) {
      return "multi_checkpoint";
    }
    return modelPaths.isEmpty() ? "huggingface_vanilla" : "local_finetuned";
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Fills an {@link InferenceSpec} with FAI-RL's defaults. */
  public static final class Builder {
    private List<String> modelPaths = List.of();
    private String model;
    private String apiEndpoint;
    private String apiKey;
    private String apiProvider;
    private String hostedLlmConfig;
    private String datasetName = "Roblox/FAI-RL-inference-dataset";
    private String datasetSplit = "test";
    private Path outputFile = Path.of("outputs/inference_results.csv");
    private String systemPrompt = "";
    private String userPrompt;
    private List<String> datasetColumns = List.of("persona", "prompt");
    private String responseColumn = "response";
    private String checkpointColumn = "checkpoint";
    private List<String> choiceLabels;
    private GenerationParams params = new GenerationParams(1.0, 0.9, 200, true);
    private int apiConcurrency = 8;
    private int apiMaxRetries = 5;
    private double apiTimeoutSeconds = 120;
    private int batchSize = 8;
    private int maxExamples = 0;

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

    public Builder apiProvider(ApiProvider v) {
      apiProvider = v == null ? null : v.id();
      return this;
    }

    public Builder hostedLlmConfig(String v) {
      hostedLlmConfig = v;
      return this;
    }

    public Builder dataset(String name, String split) {
      datasetName = name;
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

    public Builder userPrompt(String v) {
      userPrompt = v;
      return this;
    }

    public Builder datasetColumns(List<String> v) {
      datasetColumns = v;
      return this;
    }

    public Builder responseColumn(String v) {
      responseColumn = v;
      return this;
    }

    public Builder checkpointColumn(String v) {
      checkpointColumn = v;
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

    public Builder maxExamples(int v) {
      maxExamples = v;
      return this;
    }

    public InferenceSpec build() {
      return new InferenceSpec(
          modelPaths,
          model,
          apiEndpoint,
          apiKey,
          apiProvider,
          hostedLlmConfig,
          datasetName,
          datasetSplit,
          outputFile,
          systemPrompt,
          userPrompt,
          datasetColumns,
          responseColumn,
          checkpointColumn,
          choiceLabels,
          params,
          apiConcurrency,
          apiMaxRetries,
          apiTimeoutSeconds,
          batchSize,
          maxExamples);
    }
  }
}
