package ai.fairl.recipe;

import java.util.List;

/**
 * One entry of {@code data.datasets[]} (FAI-RL's {@code DatasetInfo}), also the shape of {@code
 * training.eval_dataset}.
 */
public record DatasetSpec(
    @Key(
            required = true,
            doc =
                "A Hugging Face dataset id (`openai/gsm8k`; read from the `FAIRL_DATASETS_DIR`"
                    + " mirror or the Hub cache), or a local `.jsonl`/`.json`/`.csv`/`.parquet`"
                    + " file (relative paths: the current directory first, then the install root).")
        String name,
    @Key(def = "train", doc = "Split of a Hub dataset.") String split,
    @Key(doc = "Hub dataset config (subset) name, e.g. `main` for GSM8K.") String subset,
    @Key(
            def = "text",
            algorithms = {"cpt"},
            doc = "CPT: the column holding raw text.")
        String textColumn,
    @Key(
            def = "prompt",
            algorithms = {"dpo", "grpo", "gspo", "ppo", "reward"},
            doc = "The prompt column.")
        String promptColumn,
    @Key(
            def = "chosen",
            algorithms = {"dpo", "reward"},
            doc = "The preferred completion.")
        String chosenColumn,
    @Key(
            def = "rejected",
            algorithms = {"dpo", "reward"},
            doc = "The dispreferred completion.")
        String rejectedColumn,
    @Key(
            def = "answer",
            algorithms = {"grpo", "gspo", "ppo"},
            doc = "The reference answer given to reward functions.")
        String answerColumn,
    @Key(
            algorithms = {"sft"},
            doc =
                "SFT: the columns available as `{placeholders}` in `data.system_prompt` /"
                    + " `user_prompt` / `assistant_prompt`.")
        List<String> datasetColumns,
    @Key(doc = "AWS region of an `s3://` dataset.", noEffect = "s3:// datasets are not supported")
        String s3Region,
    @Key(doc = "S3-compatible endpoint.", noEffect = "s3:// datasets are not supported")
        String s3EndpointUrl) {

  /** The key prefix used in this record's messages; the loader puts the real index in. */
  static final String PREFIX = "data.datasets[]";

  public DatasetSpec {
    Check.nonBlank(PREFIX + ".name", name);
    datasetColumns = datasetColumns == null ? null : List.copyOf(datasetColumns);
  }

  /** True when {@link #name()} is a local file rather than a Hub id. */
  public boolean isLocalFile() {
    String n = name.toLowerCase(java.util.Locale.ROOT);
    return n.endsWith(".jsonl")
        || n.endsWith(".json")
        || n.endsWith(".csv")
        || n.endsWith(".parquet");
  }
}
