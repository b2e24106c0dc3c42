package ai.fairl.recipe;

import java.util.List;

/** The {@code evaluation:} section (FAI-RL's {@code EvaluationConfig}): MMLU or GSM8K. */
public record Evaluation(
    @Key(doc = "Local checkpoints to evaluate; more than one gives per-checkpoint metrics.")
        List<String> modelPaths,
    @Key(doc = "A Hub id or `tiny:<family>`, or with api_key the hosted API's model name.")
        String model,
    @Key(doc = "Hosted API URL.") String apiEndpoint,
    @Key(secret = true, doc = "Hosted API key; shown as ***.") String apiKey,
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
            def = "cais/mmlu",
            doc =
                "The data: `cais/mmlu` or `openai/gsm8k` (Hub ids, read from the"
                    + " `FAIRL_DATASETS_DIR` mirror), or a local file/folder with `benchmark` set.")
        String datasetName,
    @Key(
            origin = Origin.OURS,
            allowed = "mmlu, gsm8k",
            derived = "from dataset_name (cais/mmlu or openai/gsm8k)",
            doc = "Which benchmark's prompts and answer extraction to use.")
        String benchmark,
    @Key(
            def = "0",
            origin = Origin.OURS,
            allowed = ">= 0",
            doc =
                "Solved examples in each prompt (MMLU: the subject's dev split; GSM8K: train);"
                    + " FAI-RL is zero-shot.")
        int numFewshot,
    @Key(doc = "MMLU: a subject or `all`; GSM8K: `main`.") String datasetSubset,
    @Key(def = "test", doc = "Split.") String datasetSplit,
    @Key(
            def = "outputs/evaluation_results.csv",
            doc =
                "Results; also writes `<stem>-eval.csv`, `<stem>-eval-summary.json` and"
                    + " `<stem>-eval-subjects.png`.")
        String outputFile,
    @Key(def = "''", doc = "Prompt template over dataset_columns (`{question}`, `{choices}`).")
        String systemPrompt,
    @Key(def = "[question, choices, answer]", doc = "Columns available to the template.")
        List<String> datasetColumns,
    @Key(def = "answer", doc = "Column with the correct answer.") String groundTruthColumn,
    @Key(def = "response", doc = "Column that receives the generated text.") String responseColumn,
    @Key(def = "checkpoint", doc = "Multi-checkpoint runs: column naming the checkpoint.")
        String checkpointColumn,
    @Key(doc = "Unused in FAI-RL.", noEffect = "unused in FAI-RL too; use system_prompt")
        String promptTemplate,
    @Key(def = "[A, B, C, D, E, F, G, H, I, J]", doc = "MMLU choice letters.")
        List<String> choiceLabels,
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
    @Key(def = "1.0", allowed = ">= 0", doc = "Sampling temperature.") double temperature,
    @Key(def = "0.9", allowed = "(0, 1]", doc = "Nucleus sampling.") double topP,
    @Key(def = "10", allowed = ">= 1", doc = "Maximum generated tokens per question.")
        int maxNewTokens,
    @Key(def = "false", doc = "Sample (true) or decode greedily (false).") boolean doSample,
    @Key(
            def = "generate",
            origin = Origin.OURS,
            allowed = "generate, loglikelihood",
            doc =
                "`generate`: FAI-RL's way (generate, then extract the answer);"
                    + " `loglikelihood`: MMLU scored by per-choice log-likelihood as"
                    + " lm-evaluation-harness does.")
        String method,
    @Key(
            origin = Origin.OURS,
            allowed = ">= 1 or null",
            doc = "Evaluate only the first N questions (per subject for MMLU); null: all.")
        Integer maxExamples,
    @Key(def = "8", origin = Origin.OURS, allowed = ">= 1", doc = "Local models: batch size.")
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

  public Evaluation {
    modelPaths = modelPaths == null ? null : List.copyOf(modelPaths);
    datasetColumns = datasetColumns == null ? List.of() : List.copyOf(datasetColumns);
    choiceLabels = choiceLabels == null ? List.of() : List.copyOf(choiceLabels);
    Sources.checkModelChoice("evaluation", modelPaths, model, apiKey, apiEndpoint);
    provider =
        Check.oneOf(
            "evaluation.provider", provider, "auto", "openai", "anthropic", "google", "default");
    Check.nonBlank("evaluation.dataset_name", datasetName);
    if (benchmark == null) {
      benchmark =
          datasetName.equalsIgnoreCase("cais/mmlu")
              ? "mmlu"
              : datasetName.equalsIgnoreCase("openai/gsm8k") ? "gsm8k" : null;
      Check.require(
          benchmark != null,
          "evaluation.dataset_name",
          "evaluation.dataset_name '"
              + datasetName
              + "' is neither cais/mmlu nor openai/gsm8k, so the benchmark is unknown",
          "set evaluation.benchmark: mmlu (or gsm8k) for local data, or use a supported dataset");
    }
    benchmark = Check.oneOf("evaluation.benchmark", benchmark, "mmlu", "gsm8k");
    Check.atLeast("evaluation.num_fewshot", numFewshot, 0);
    method = Check.oneOf("evaluation.method", method, "generate", "loglikelihood");
    Check.require(
        !(method.equals("loglikelihood") && benchmark.equals("gsm8k")),
        "evaluation.method",
        "evaluation.method: loglikelihood works for multiple choice (MMLU), not GSM8K",
        "set evaluation.method: generate for GSM8K");
    Check.require(
        !(method.equals("loglikelihood") && systemPrompt != null && !systemPrompt.isEmpty()),
        "evaluation.system_prompt",
        "evaluation.method: loglikelihood scores the lm-evaluation-harness prompt, so"
            + " evaluation.system_prompt must be empty",
        "remove evaluation.system_prompt (or set it to \"\"), or use evaluation.method: generate");
    Check.require(
        !s3UploadResults,
        "evaluation.s3_upload_results",
        "evaluation.s3_upload_results: true is not supported (no S3 upload)",
        "set evaluation.s3_upload_results: false");
    Check.nonNegative("evaluation.temperature", temperature);
    Check.require(
        topP > 0 && topP <= 1,
        "evaluation.top_p",
        "evaluation.top_p must be in (0, 1], got " + Check.num(topP),
        "set evaluation.top_p to a value in (0, 1]");
    Check.atLeast("evaluation.max_new_tokens", maxNewTokens, 1);
    if (maxExamples != null) {
      Check.atLeast("evaluation.max_examples", maxExamples, 1);
    }
    Check.atLeast("evaluation.batch_size", batchSize, 1);
    Check.require(
        !choiceLabels.isEmpty(),
        "evaluation.choice_labels",
        "evaluation.choice_labels is empty",
        "remove the key to use [A, B, ..., J]");
  }

  /** True when a hosted API generates (model and api_key set). */
  public boolean apiMode() {
    return model != null && apiKey != null;
  }
}
