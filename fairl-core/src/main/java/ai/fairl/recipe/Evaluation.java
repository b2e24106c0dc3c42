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
    @Key(def = "cais/mmlu", allowed = "cais/mmlu, openai/gsm8k", doc = "The benchmark.")
        String datasetName,
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
    @Key(def = "42", origin = Origin.OURS, doc = "Sampling seed.") long seed) {

  public Evaluation {
    modelPaths = modelPaths == null ? null : List.copyOf(modelPaths);
    datasetColumns = datasetColumns == null ? List.of() : List.copyOf(datasetColumns);
    choiceLabels = choiceLabels == null ? List.of() : List.copyOf(choiceLabels);
    Sources.checkModelChoice("evaluation", modelPaths, model, apiKey, apiEndpoint);
    provider =
        Check.oneOf(
            "evaluation.provider", provider, "auto", "openai", "anthropic", "google", "default");
    datasetName = Check.oneOf("evaluation.dataset_name", datasetName, "cais/mmlu", "openai/gsm8k");
    method = Check.oneOf("evaluation.method", method, "generate", "loglikelihood");
    Check.require(
        !(method.equals("loglikelihood") && datasetName.equals("openai/gsm8k")),
        "evaluation.method",
        "evaluation.method: loglikelihood works for multiple choice (cais/mmlu), not openai/gsm8k",
        "set evaluation.method: generate for GSM8K");
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
