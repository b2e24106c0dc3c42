package ai.fairl.train;

import java.nio.file.Path;

/**
 * What the {@link TrainLoop} needs to know, validated on construction. {@code Training.run} maps a
 * recipe's {@code training:} section onto it; notebooks may build one directly with {@link
 * #builder}.
 *
 * <p>Defaults follow Hugging Face {@code TrainingArguments} where FAI-RL leaves them alone (AdamW
 * betas 0.9/0.999, epsilon 1e-8, weight decay 0, max_grad_norm 1.0, seed 42, linear schedule) and
 * FAI-RL where it sets them (gradient accumulation 16, 50 warm-up steps, logging every 10 steps,
 * saving every 500).
 *
 * @param outputDir where checkpoints, metrics.jsonl, the chart and the final model go
 * @param algorithm a label for logs and trainer_state.json (sft, dpo, ...)
 * @param learningRate peak learning rate, > 0
 * @param schedule learning-rate schedule after warm-up
 * @param warmupSteps warm-up steps; when 0, {@code warmupRatio} of the total steps
 * @param warmupRatio fraction of the total steps used for warm-up when {@code warmupSteps} is 0
 * @param weightDecay AdamW decoupled weight decay (not applied to biases and norm weights)
 * @param adamBeta1 AdamW beta1
 * @param adamBeta2 AdamW beta2
 * @param adamEpsilon AdamW epsilon
 * @param gradientAccumulationSteps micro-batches per optimizer step, >= 1
 * @param maxGradNorm global gradient-norm clip; <= 0 disables clipping (grad_norm is still
 *     reported)
 * @param numTrainEpochs passes over the data when {@code maxSteps} is <= 0
 * @param maxSteps optimizer steps; > 0 wins over epochs
 * @param seed seed for data order, dropout and initialisation
 * @param loggingSteps report metrics every this many steps
 * @param saveSteps checkpoint every this many steps; <= 0 disables periodic checkpoints
 * @param evalSteps evaluate every this many steps when an eval source exists; <= 0: only at the end
 * @param saveTotalLimit keep at most this many checkpoints (oldest deleted); <= 0 keeps all
 * @param skipNonFiniteLoss skip a step whose loss is NaN/Inf instead of stopping the run
 * @param resumeFromCheckpoint null or empty for a fresh run, {@code latest} (or {@code true}) for
 *     the newest complete checkpoint in {@code outputDir}, or a checkpoint folder
 * @param resolvedRecipe the resolved recipe (JSON, secrets masked), written into every checkpoint
 *     as recipe.json; may be null
 */
public record TrainConfig(
    Path outputDir,
    String algorithm,
    double learningRate,
    LrSchedule schedule,
    int warmupSteps,
    double warmupRatio,
    double weightDecay,
    double adamBeta1,
    double adamBeta2,
    double adamEpsilon,
    int gradientAccumulationSteps,
    double maxGradNorm,
    double numTrainEpochs,
    int maxSteps,
    long seed,
    int loggingSteps,
    int saveSteps,
    int evalSteps,
    int saveTotalLimit,
    boolean skipNonFiniteLoss,
    String resumeFromCheckpoint,
    String resolvedRecipe) {

  public TrainConfig {
    if (outputDir == null) {
      throw new IllegalArgumentException("training.output_dir is required; set it to a folder");
    }
    algorithm = algorithm == null ? "train" : algorithm;
    require(
        learningRate > 0 && Double.isFinite(learningRate), "learning_rate", "> 0", learningRate);
    if (schedule == null) {
      schedule = LrSchedule.LINEAR;
    }
    require(warmupSteps >= 0, "warmup_steps", ">= 0", warmupSteps);
    require(warmupRatio >= 0 && warmupRatio < 1, "warmup_ratio", "in [0, 1)", warmupRatio);
    require(weightDecay >= 0, "weight_decay", ">= 0", weightDecay);
    require(adamBeta1 >= 0 && adamBeta1 < 1, "adam_beta1", "in [0, 1)", adamBeta1);
    require(adamBeta2 >= 0 && adamBeta2 < 1, "adam_beta2", "in [0, 1)", adamBeta2);
    require(adamEpsilon > 0, "adam_epsilon", "> 0", adamEpsilon);
    require(
        gradientAccumulationSteps >= 1,
        "gradient_accumulation_steps",
        ">= 1",
        gradientAccumulationSteps);
    require(
        maxSteps > 0 || numTrainEpochs > 0,
        "num_train_epochs",
        "> 0 when max_steps is not set",
        numTrainEpochs);
    require(loggingSteps >= 1, "logging_steps", ">= 1", loggingSteps);
  }

  private static void require(boolean ok, String key, String allowed, Object got) {
    if (!ok) {
      throw new IllegalArgumentException(
          "training." + key + " must be " + allowed + ", got " + got + "; fix it in the recipe");
    }
  }

  /** A builder starting from the defaults described on the record. */
  public static Builder builder(Path outputDir) {
    return new Builder(outputDir);
  }

  /** A copy resuming from {@code checkpoint} ({@code latest}, or a folder). */
  public TrainConfig withResume(String checkpoint) {
    return new TrainConfig(
        outputDir,
        algorithm,
        learningRate,
        schedule,
        warmupSteps,
        warmupRatio,
        weightDecay,
        adamBeta1,
        adamBeta2,
        adamEpsilon,
        gradientAccumulationSteps,
        maxGradNorm,
        numTrainEpochs,
        maxSteps,
        seed,
        loggingSteps,
        saveSteps,
        evalSteps,
        saveTotalLimit,
        skipNonFiniteLoss,
        checkpoint,
        resolvedRecipe);
  }

  /** Mutable builder for {@link TrainConfig}; {@link #build} validates. */
  public static final class Builder {
    private final Path outputDir;
    private String algorithm = "train";
    private double learningRate = 1e-6;
    private LrSchedule schedule = LrSchedule.LINEAR;
    private int warmupSteps = 50;
    private double warmupRatio = 0;
    private double weightDecay = 0;
    private double adamBeta1 = 0.9;
    private double adamBeta2 = 0.999;
    private double adamEpsilon = 1e-8;
    private int gradientAccumulationSteps = 16;
    private double maxGradNorm = 1.0;
    private double numTrainEpochs = 3;
    private int maxSteps = -1;
    private long seed = 42;
    private int loggingSteps = 10;
    private int saveSteps = 500;
    private int evalSteps = 500;
    private int saveTotalLimit = 0;
    private boolean skipNonFiniteLoss;
    private String resumeFromCheckpoint;
    private String resolvedRecipe;

    private Builder(Path outputDir) {
      this.outputDir = outputDir;
    }

    public Builder algorithm(String v) {
      algorithm = v;
      return this;
    }

    public Builder learningRate(double v) {
      learningRate = v;
      return this;
    }

    public Builder schedule(LrSchedule v) {
      schedule = v;
      return this;
    }

    public Builder warmupSteps(int v) {
      warmupSteps = v;
      return this;
    }

    public Builder warmupRatio(double v) {
      warmupRatio = v;
      return this;
    }

    public Builder weightDecay(double v) {
      weightDecay = v;
      return this;
    }

    public Builder adam(double beta1, double beta2, double epsilon) {
      adamBeta1 = beta1;
      adamBeta2 = beta2;
      adamEpsilon = epsilon;
      return this;
    }

    public Builder gradientAccumulationSteps(int v) {
      gradientAccumulationSteps = v;
      return this;
    }

    public Builder maxGradNorm(double v) {
      maxGradNorm = v;
      return this;
    }

    public Builder numTrainEpochs(double v) {
      numTrainEpochs = v;
      return this;
    }

    public Builder maxSteps(int v) {
      maxSteps = v;
      return this;
    }

    public Builder seed(long v) {
      seed = v;
      return this;
    }

    public Builder loggingSteps(int v) {
      loggingSteps = v;
      return this;
    }

    public Builder saveSteps(int v) {
      saveSteps = v;
      return this;
    }

    public Builder evalSteps(int v) {
      evalSteps = v;
      return this;
    }

    public Builder saveTotalLimit(int v) {
      saveTotalLimit = v;
      return this;
    }

    public Builder skipNonFiniteLoss(boolean v) {
      skipNonFiniteLoss = v;
      return this;
    }

    public Builder resumeFromCheckpoint(String v) {
      resumeFromCheckpoint = v;
      return this;
    }

    public Builder resolvedRecipe(String v) {
      resolvedRecipe = v;
      return this;
    }

    public TrainConfig build() {
      return new TrainConfig(
          outputDir,
          algorithm,
          learningRate,
          schedule,
          warmupSteps,
          warmupRatio,
          weightDecay,
          adamBeta1,
          adamBeta2,
          adamEpsilon,
          gradientAccumulationSteps,
          maxGradNorm,
          numTrainEpochs,
          maxSteps,
          seed,
          loggingSteps,
          saveSteps,
          evalSteps,
          saveTotalLimit,
          skipNonFiniteLoss,
          resumeFromCheckpoint,
          resolvedRecipe);
    }
  }
}
