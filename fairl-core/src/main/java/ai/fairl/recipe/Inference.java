package ai.fairl.recipe;

import java.util.List;

/** The {@code inference:} section (FAI-RL's {@code InferenceConfig}). */
public record Inference(
    @Key(
            doc =
                "Local checkpoints (full model or PEFT adapter directories); more than one adds"
                    + " the checkpoint column and runs each in turn.")
        List<String> modelPaths,
    @Key(
            doc =
                "A Hub id or `tiny:<family>` to run as is, or, with api_key, the hosted API's"
                    + " model name.")
        String model,
    @Key(doc = "Hosted API URL (wire format detected from the host unless `provider` is set).")
        String apiEndpoint,
    @Key(secret = true, doc = "Hosted API key; shown as ***. Prefer `${env:OPENAI_API_KEY}`.")
        String apiKey,
    @Key(
            def = "auto",
            origin = Origin.OURS,
            allowed = "auto, openai, anthropic, google, default",
            doc = "API wire format; `auto` detects it from api_endpoint as FAI-RL does.")
        String provider,
    @Key(
            origin = Origin.OURS,
            doc =
                "Hosted-API hook: a Java class implementing `ai.fairl.infer.HostedLlmHook` (request,"
                    + " response, headers, URL), on the classpath (`--classpath`); FAI-RL's"
                    + " equivalent is its `utils/hosted_llm_config.py` module.")
        String hostedLlmConfig,
    @Key(
            def = "Roblox/FAI-RL-inference-dataset",
            doc = "Hub dataset id, or a local .csv/.jsonl file.")
        String datasetName,
    @Key(def = "test", doc = "Split (falls back to the first split when missing).")
        String datasetSplit,
    @Key(
            def = "outputs/inference_results.json",
            doc =
                "Results file; written as CSV (FAI-RL's columns) plus `<stem>.jsonl` and"
                    + " `<stem>_summary.json`.")
        String outputFile,
    @Key(
            def = "''",
            doc =
                "Flat mode: the whole prompt, a template over dataset_columns (`{prompt}`); chat"
                    + " mode (with user_prompt): the system turn.")
        String systemPrompt,
    @Key(doc = "Chat mode: the user turn template; the chat template is applied.")
        String userPrompt,
    @Key(def = "[persona, prompt]", doc = "Columns for the templates and the CSV's first columns.")
        List<String> datasetColumns,
    @Key(def = "response", doc = "Column that receives the generated text.") String responseColumn,
    @Key(def = "checkpoint", doc = "Multi-checkpoint runs: column naming the checkpoint.")
        String checkpointColumn,
    @Key(doc = "AWS region for s3:// inputs.", noEffect = "s3:// is not supported") String s3Region,
    @Key(doc = "S3-compatible endpoint.", noEffect = "s3:// is not supported") String s3EndpointUrl,
    @Key(def = "false", doc = "Upload results to S3; must be false (not supported).")
        boolean s3UploadResults,
    @Key(def = "''", doc = "Bucket for results.", noEffect = "S3 upload is not supported")
        String s3Bucket,
    @Key(def = "''", doc = "Key prefix for results.", noEffect = "S3 upload is not supported")
        String s3Prefix,
    @Key(def = "auto", doc = "s5cmd or boto3.", noEffect = "S3 upload is not supported")
        String s3Uploader,
    @Key(
            def = "1.0",
            allowed = ">= 0",
            doc = "Sampling temperature (0 with do_sample false: greedy).")
        double temperature,
    @Key(def = "0.9", allowed = "(0, 1]", doc = "Nucleus sampling.") double topP,
    @Key(def = "200", allowed = ">= 1", doc = "Maximum generated tokens per row.") int maxNewTokens,
    @Key(def = "true", doc = "Sample (true) or decode greedily (false).") boolean doSample,
    @Key(
            def = "8",
            origin = Origin.OURS,
            allowed = ">= 1",
            doc = "Local models: rows generated together (FAI-RL: one at a time).")
        int batchSize,
    @Key(def = "42", origin = Origin.OURS, doc = "Sampling seed.") long seed,
    @Key(def = "8", origin = Origin.OURS, allowed = "1 .. 256", doc = "API: concurrent requests.")
        int apiConcurrency,
    @Key(
            def = "5",
            origin = Origin.OURS,
            allowed = ">= 0",
            doc = "API: retries on 429, 5xx and timeouts (exponential backoff, Retry-After).")
        int apiMaxRetries,
    @Key(def = "120", origin = Origin.OURS, allowed = "> 0", doc = "API: seconds per request.")
        double apiTimeoutSeconds) {

  public Inference {
    modelPaths = modelPaths == null ? null : List.copyOf(modelPaths);
    datasetColumns = datasetColumns == null ? List.of() : List.copyOf(datasetColumns);
    Sources.checkModelChoice("inference", modelPaths, model, apiKey, apiEndpoint);
    provider =
        Check.oneOf(
            "inference.provider", provider, "auto", "openai", "anthropic", "google", "default");
    Check.require(
        !s3UploadResults,
        "inference.s3_upload_results",
        "inference.s3_upload_results: true is not supported (no S3 upload)",
        "set inference.s3_upload_results: false and copy the output files yourself");
    Check.require(
        userPrompt != null || (systemPrompt != null && systemPrompt.contains("{")),
        "inference.system_prompt",
        "inference.system_prompt must contain a {column} placeholder in flat mode (no"
            + " user_prompt), got "
            + Check.show(systemPrompt),
        "write e.g. system_prompt: \"{prompt}\", or set inference.user_prompt: \"{prompt}\" (chat"
            + " mode)");
    Check.nonNegative("inference.temperature", temperature);
    Check.require(
        topP > 0 && topP <= 1,
        "inference.top_p",
        "inference.top_p must be in (0, 1], got " + Check.num(topP),
        "set inference.top_p to a value in (0, 1], e.g. 0.9");
    Check.atLeast("inference.max_new_tokens", maxNewTokens, 1);
    Check.atLeast("inference.batch_size", batchSize, 1);
  }

  /** True when a hosted API generates (model and api_key set), as in FAI-RL. */
  public boolean apiMode() {
    return model != null && apiKey != null;
  }
}
