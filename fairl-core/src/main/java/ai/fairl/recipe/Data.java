package ai.fairl.recipe;

import java.util.List;

/** The {@code data:} section of a training recipe (FAI-RL's {@code DataConfig}). */
public record Data(
    @Key(def = "[]", doc = "Training datasets; several are concatenated. At least one is needed.")
        List<DatasetSpec> datasets,
    @Key(def = "512", allowed = ">= 1", doc = "Maximum tokens of prompt plus completion.")
        int maxLength,
    @Key(
            def = "256",
            allowed = ">= 1 (GRPO/GSPO/PPO: < max_length)",
            doc =
                "Maximum prompt tokens. GRPO/GSPO/PPO: completions get `max_length -"
                    + " max_prompt_length` tokens unless `training.max_completion_length` is set.")
        int maxPromptLength,
    @Key(
            def = "false",
            doc = "Drop dataset columns the trainer does not use.",
            noEffect = "only the columns named by the *_column keys are ever read")
        boolean removeUnusedColumns,
    @Key(
            doc =
                "SFT flat mode: the whole training text, a template over `dataset_columns`"
                    + " (`{prompt}`; `{{`/`}}` are literal braces). Split mode (with user_prompt and"
                    + " assistant_prompt): the system turn.")
        String systemPrompt,
    @Key(doc = "SFT split mode: the user turn template (set together with assistant_prompt).")
        String userPrompt,
    @Key(
            doc =
                "SFT split mode: the assistant turn template; only these tokens carry loss"
                    + " (completion-only loss).")
        String assistantPrompt,
    @Key(
            def = "1",
            doc = "Worker processes for dataset preprocessing.",
            noEffect = "preprocessing is in-process and fast enough for these sizes")
        int datasetNumProc) {

  public Data {
    datasets = datasets == null ? List.of() : List.copyOf(datasets);
    Check.require(
        !datasets.isEmpty(),
        "data.datasets",
        "data.datasets is empty: a training recipe needs at least one dataset",
        "add an entry, e.g. data.datasets: [{name: openai/gsm8k, subset: main}]");
    Check.atLeast("data.max_length", maxLength, 1);
    Check.atLeast("data.max_prompt_length", maxPromptLength, 1);
    Check.require(
        (userPrompt == null) == (assistantPrompt == null),
        userPrompt == null ? "data.assistant_prompt" : "data.user_prompt",
        "data.user_prompt and data.assistant_prompt must be set together (split mode) or both"
            + " left out (flat mode); only "
            + (userPrompt == null ? "assistant_prompt" : "user_prompt")
            + " is set",
        "set both, or remove "
            + (userPrompt == null ? "data.assistant_prompt" : "data.user_prompt"));
  }

  /** SFT split mode: user and assistant turns, loss on the assistant turn only. */
  public boolean splitMode() {
    return userPrompt != null && assistantPrompt != null;
  }
}
