package ai.fairl.recipe;

/** Where a recipe key's default value comes from; printed by {@code --dry-run}. */
public enum Origin {
  /** FAI-RL's {@code core/config.py} dataclasses (or, where noted, FAI-RL's later PRs). */
  FAIRL("FAI-RL"),
  /** TRL 1.2's config classes ({@code GRPOConfig}, {@code DPOConfig}, PPO's config). */
  TRL("TRL"),
  /** Hugging Face transformers' {@code TrainingArguments}. */
  TRANSFORMERS("transformers"),
  /** FAI-RL for Java's own choice. */
  OURS("ours");

  private final String label;

  Origin(String label) {
    this.label = label;
  }

  /** The label shown to users, e.g. {@code FAI-RL}. */
  public String label() {
    return label;
  }
}
