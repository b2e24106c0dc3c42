package ai.fairl.train.grpo;

/**
 * GRPO and GSPO settings (TRL {@code GRPOConfig} names). GSPO is not a separate trainer: it is
 * {@code importanceLevel = SEQUENCE} with GSPO's defaults ({@link #gspoDefaults()}).
 *
 * @param numGenerations G, completions per prompt (TRL 8)
 * @param numIterations μ, optimisation passes over each generation batch (TRL 1)
 * @param stepsPerGeneration micro-batches per generation batch; 0 means "the gradient accumulation
 *     steps" (TRL default)
 * @param beta KL coefficient; 0 means no reference model (TRL 0.0)
 * @param klEstimator k3 in TRL's GRPO
 * @param epsilon lower clip (TRL 0.2; GSPO 3e-4)
 * @param epsilonHigh upper clip (TRL: = epsilon; GSPO 4e-4)
 * @param lossType aggregation (TRL {@code dapo}; GSPO paper {@code grpo})
 * @param importanceLevel TOKEN (GRPO) or SEQUENCE (GSPO)
 * @param scaleRewards advantage scaling (TRL {@code group})
 * @param maskTruncatedCompletions drop completions that hit the length limit from the loss
 * @param temperature sampling temperature; log-probs use logits / temperature (TRL 1.0)
 * @param topP nucleus sampling (1.0 = off)
 * @param topK top-k sampling (0 = off)
 * @param maxPromptLength prompt tokens kept (left-truncated), 0 = no limit
 * @param maxCompletionLength generated tokens at most (TRL 256)
 */
public record GrpoConfig(
    int numGenerations,
    int numIterations,
    int stepsPerGeneration,
    double beta,
    KlEstimator klEstimator,
    double epsilon,
    double epsilonHigh,
    LossType lossType,
    ImportanceLevel importanceLevel,
    ScaleRewards scaleRewards,
    boolean maskTruncatedCompletions,
    double temperature,
    double topP,
    int topK,
    int maxPromptLength,
    int maxCompletionLength) {

  public GrpoConfig {
    check(numGenerations >= 2, "num_generations must be >= 2", numGenerations);
    check(numIterations >= 1, "num_iterations must be >= 1", numIterations);
    check(stepsPerGeneration >= 0, "steps_per_generation must be >= 0", stepsPerGeneration);
    check(beta >= 0 && Double.isFinite(beta), "beta must be >= 0", beta);
    check(epsilon > 0 && epsilon < 1, "epsilon must be in (0, 1)", epsilon);
    check(epsilonHigh > 0, "epsilon_high must be > 0", epsilonHigh);
    check(temperature > 0, "temperature must be > 0", temperature);
    check(topP > 0 && topP <= 1, "top_p must be in (0, 1]", topP);
    check(topK >= 0, "top_k must be >= 0 (0 = off)", topK);
    check(maxPromptLength >= 0, "max_prompt_length must be >= 0 (0 = no limit)", maxPromptLength);
    check(maxCompletionLength >= 1, "max_completion_length must be >= 1", maxCompletionLength);
    if (klEstimator == null
        || lossType == null
        || importanceLevel == null
        || scaleRewards == null) {
      throw new IllegalArgumentException(
          "GrpoConfig: kl_estimator, loss_type, importance_sampling_level and scale_rewards must"
              + " be set");
    }
  }

  private static void check(boolean ok, String what, Object value) {
    if (!ok) {
      throw new IllegalArgumentException("training." + what + ", got " + value);
    }
  }

  /** TRL 1.2's GRPO defaults (FAI-RL runs these). */
  public static GrpoConfig grpoDefaults() {
    return new GrpoConfig(
        8,
        1,
        0,
        0.0,
        KlEstimator.K3,
        0.2,
        0.2,
        LossType.DAPO,
        ImportanceLevel.TOKEN,
        ScaleRewards.GROUP,
        false,
        1.0,
        1.0,
        0,
        0,
        256);
  }

  /**
   * GSPO (paper settings as TRL's index gives them): sequence-level ratio, epsilon 3e-4 / 4e-4,
   * loss type {@code grpo} (FAI-RL effectively ran {@code dapo}), beta 0.
   */
  public static GrpoConfig gspoDefaults() {
    return grpoDefaults()
        .with(
            b -> {
              b.importanceLevel = ImportanceLevel.SEQUENCE;
              b.epsilon = 3e-4;
              b.epsilonHigh = 4e-4;
              b.lossType = LossType.GRPO;
            });
  }

  /** A copy with some fields changed: {@code cfg.with(b -> b.beta = 0.04)}. */
  public GrpoConfig with(java.util.function.Consumer<Builder> change) {
    Builder b = new Builder(this);
    change.accept(b);
    return b.build();
  }

  /** Mutable mirror of the record for {@link #with}. */
  public static final class Builder {
    public int numGenerations;
    public int numIterations;
    public int stepsPerGeneration;
    public double beta;
    public KlEstimator klEstimator;
    public double epsilon;
    public double epsilonHigh;
    public LossType lossType;
    public ImportanceLevel importanceLevel;
    public ScaleRewards scaleRewards;
    public boolean maskTruncatedCompletions;
    public double temperature;
    public double topP;
    public int topK;
    public int maxPromptLength;
    public int maxCompletionLength;

    Builder(GrpoConfig c) {
      numGenerations = c.numGenerations;
      numIterations = c.numIterations;
      stepsPerGeneration = c.stepsPerGeneration;
      beta = c.beta;
      klEstimator = c.klEstimator;
      epsilon = c.epsilon;
      epsilonHigh = c.epsilonHigh;
      lossType = c.lossType;
      importanceLevel = c.importanceLevel;
      scaleRewards = c.scaleRewards;
      maskTruncatedCompletions = c.maskTruncatedCompletions;
      temperature = c.temperature;
      topP = c.topP;
      topK = c.topK;
      maxPromptLength = c.maxPromptLength;
      maxCompletionLength = c.maxCompletionLength;
    }

    GrpoConfig build() {
      return new GrpoConfig(
          numGenerations,
          numIterations,
          stepsPerGeneration,
          beta,
          klEstimator,
          epsilon,
          epsilonHigh,
          lossType,
          importanceLevel,
          scaleRewards,
          maskTruncatedCompletions,
          temperature,
          topP,
          topK,
          maxPromptLength,
          maxCompletionLength);
    }
  }
}
