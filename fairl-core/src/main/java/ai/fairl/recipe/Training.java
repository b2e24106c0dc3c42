package ai.fairl.recipe;

import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The {@code training:} section (FAI-RL's {@code TrainingConfig} plus TRL knobs FAI-RL left at
 * their defaults). Values are effective: defaults are filled in per algorithm. Keys that an
 * algorithm does not read are null for that algorithm.
 */
public record Training(
    @Key(required = true, doc = "Where checkpoints, the final model and logs are written.")
        String outputDir,
    @Key(
            required = true,
            allowed = "sft, cpt, dpo, reward, grpo, gspo, ppo (case-insensitive)",
            doc = "The training algorithm.")
        String algorithm,
    @Key(
            def = "1",
            allowed = ">= 1",
            doc =
                "Micro-batch size per device. GRPO/GSPO: completions per micro-batch (as in TRL).")
        int perDeviceTrainBatchSize,
    @Key(
            def = "16",
            allowed = ">= 1",
            doc = "Micro-batches per optimizer step (effective batch = batch size x this).")
        int gradientAccumulationSteps,
    @Key(def = "1e-6", allowed = "> 0", doc = "Peak learning rate (AdamW).") double learningRate,
    @Key(def = "3", allowed = "> 0", doc = "Passes over the training data.") double numTrainEpochs,
    @Key(def = "-1", allowed = "-1 or >= 1", doc = "Total optimizer steps; -1: use epochs.")
        int maxSteps,
    @Key(def = "50", allowed = ">= 0", doc = "Linear warm-up steps (wins over warmup_ratio).")
        int warmupSteps,
    @Key(
            def = "8",
            allowed = ">= 2",
            algorithms = {"grpo", "gspo"},
            doc = "Completions sampled per prompt (the group size G).")
        Integer numGenerations,
    @Key(
            algorithms = {"dpo", "grpo", "gspo"},
            byAlgorithm = {"dpo=0.1@TRL", "grpo=0.0@TRL", "gspo=0.0@FAIRL"},
            allowed = ">= 0",
            doc =
                "DPO: inverse temperature of the implicit reward. GRPO/GSPO: KL coefficient (0: no"
                    + " KL term and no reference model). FAI-RL's GRPO ignored it (bug B2); here it"
                    + " is used.")
        Double beta,
    @Key(
            algorithms = {"grpo", "gspo"},
            byAlgorithm = {"grpo=0.2@TRL", "gspo=3e-4@FAIRL"},
            allowed = "> 0",
            doc =
                "Lower clip range of the importance ratio: clip(w, 1 - epsilon, 1 + epsilon_high).")
        Double epsilon,
    @Key(
            algorithms = {"grpo", "gspo"},
            byAlgorithm = {"gspo=4e-4@FAIRL"},
            derived = "= epsilon (TRL)",
            allowed = "> 0",
            doc = "Upper clip range (DAPO's clip-higher uses 0.28).")
        Double epsilonHigh,
    @Key(
            algorithms = {"grpo", "gspo"},
            derived = "= gradient_accumulation_steps (TRL)",
            allowed = ">= 1",
            doc =
                "Micro-steps served by one generation round. The generation batch ="
                    + " per_device_train_batch_size x steps_per_generation completions, which must"
                    + " hold whole groups of num_generations; if not, it is raised to the next value"
                    + " that does, with a notice (FAI-RL bug B4). Below gradient_accumulation_steps"
                    + " (and num_iterations 1) updates are on-policy and clipping has no effect.")
        Integer stepsPerGeneration,
    @Key(
            algorithms = {"grpo", "gspo"},
            byAlgorithm = {"grpo=token@TRL", "gspo=sequence@FAIRL"},
            allowed = "token, sequence",
            doc = "Importance ratio per token (GRPO) or per sequence (GSPO).")
        String importanceSamplingLevel,
    @Key(def = "10", allowed = ">= 1", doc = "Log metrics every N optimizer steps.")
        int loggingSteps,
    @Key(def = "500", allowed = ">= 1", doc = "Write a checkpoint every N optimizer steps.")
        int saveSteps,
    @Key(
            def = "500",
            allowed = ">= 1",
            doc =
                "Evaluate every N steps when there is evaluation data (eval_split or"
                    + " eval_dataset); FAI-RL never had any (bug B12).")
        int evalSteps,
    @Key(
            def = "true",
            doc =
                "bfloat16 mixed precision: the forward in bf16 over fp32 master weights (the CPU"
                    + " with stock DJL runs float32 and says so).")
        boolean bf16,
    @Key(
            def = "false",
            doc =
                "float16 mixed precision: the forward in fp16 over fp32 master weights (CPU runs"
                    + " use float32 and say so).")
        boolean fp16,
    @Key(
            def = "true",
            doc =
                "Recompute activations in the backward pass to save memory (per decoder layer;"
                    + " same gradients).")
        boolean gradientCheckpointing,
    @Key(
            doc =
                "DeepSpeed config, relative to the install root (`configs/deepspeed/zero1_config.json`,"
                    + " `zero3_config.json`, `zero3_auto_config.json`). Checked to exist.",
            noEffect =
                "on one process; with --num-gpus N, ZeRO stages 0-1 run as data parallel, stage 2"
                    + " with a partitioned optimizer, stage 3 fully sharded (SFT, CPT, DPO, reward;"
                    + " GRPO, GSPO and PPO refuse stage 3)")
        String deepspeedConfig,
    @Key(
            def = "0",
            doc = "Data loader worker processes.",
            noEffect = "batches are built in the training thread")
        int dataloaderNumWorkers,
    @Key(
            def = "false",
            doc = "Pinned host memory for loaders.",
            noEffect = "no CUDA data loader; tensors are created on the device")
        boolean dataloaderPinMemory,
    @Key(def = "true", doc = "Drop the last incomplete batch of an epoch.")
        boolean dataloaderDropLast,
    @Key(
            def = "false",
            doc = "DDP's unused-parameter search.",
            noEffect = "no DistributedDataParallel wrapper")
        boolean ddpFindUnusedParameters,
    @Key(
            def = "true",
            doc = "Checkpoints without optimizer state (FAI-RL: DPO/GRPO/GSPO).",
            noEffect = "checkpoints always hold optimizer state so that resume is exact")
        boolean saveOnlyModel,
    @Key(
            def = "true",
            doc = "Evaluation computes only the loss.",
            noEffect = "evaluation always computes only the loss")
        boolean predictionLossOnly,
    @Key(
            algorithms = {"dpo", "grpo", "gspo"},
            byAlgorithm = {"dpo=sigmoid@TRL", "grpo=dapo@TRL", "gspo=grpo@OURS"},
            allowed = "DPO: sigmoid, ipo, hinge, robust; GRPO/GSPO: grpo, bnpo, dr_grpo, dapo",
            doc =
                "The loss. GSPO defaults to `grpo` (each sequence weighted equally, as in the GSPO"
                    + " paper); FAI-RL's GSPO effectively ran TRL's `dapo`.")
        String lossType,
    @Key(
            def = "0.0",
            origin = Origin.TRL,
            algorithms = {"dpo"},
            allowed = "[0, 0.5)",
            doc = "DPO `robust`: assumed probability that a preference label is flipped.")
        Double labelSmoothing,
    @Key(
            def = "group",
            origin = Origin.TRL,
            algorithms = {"grpo", "gspo"},
            allowed = "group, batch, none",
            doc = "Divide advantages by the group's reward std, the batch's, or not at all.")
        String scaleRewards,
    @Key(
            def = "1",
            origin = Origin.TRL,
            algorithms = {"grpo", "gspo"},
            allowed = ">= 1",
            doc = "Optimisation passes over each generation batch (mu).")
        Integer numIterations,
    @Key(
            def = "false",
            origin = Origin.TRL,
            algorithms = {"grpo", "gspo"},
            doc = "Exclude completions that hit max_completion_length from the loss.")
        Boolean maskTruncatedCompletions,
    @Key(
            algorithms = {"grpo", "gspo", "ppo"},
            byAlgorithm = {"grpo=1.0@TRL", "gspo=1.0@TRL", "ppo=0.7@TRL"},
            allowed = "> 0",
            doc = "Sampling temperature of rollouts (log-probs use the same temperature).")
        Double temperature,
    @Key(
            def = "1.0",
            origin = Origin.TRL,
            algorithms = {"grpo", "gspo", "ppo"},
            allowed = "(0, 1]",
            doc = "Nucleus sampling of rollouts.")
        Double topP,
    @Key(
            def = "0",
            origin = Origin.TRL,
            algorithms = {"grpo", "gspo", "ppo"},
            allowed = ">= 0 (0: off)",
            doc = "Top-k sampling of rollouts.")
        Integer topK,
    @Key(
            algorithms = {"grpo", "gspo", "ppo"},
            derived = "= data.max_length - data.max_prompt_length (FAI-RL)",
            allowed = ">= 1",
            doc = "Maximum generated tokens per rollout.")
        Integer maxCompletionLength,
    @Key(
            algorithms = {"grpo", "gspo", "ppo"},
            derived = "[exact_match, structured_xml, digit] when no reward key is set (FAI-RL)",
            doc =
                "Reward functions by name (`exact_match`, `structured_xml`, `digit`) or Java class"
                    + " (`com.acme.MyReward`, a `ai.fairl.reward.RewardFunction` on the classpath);"
                    + " combined with `reward_api` and `local_reward_function` when those are set.")
        List<String> rewardFunctions,
    @Key(
            origin = Origin.TRL,
            algorithms = {"grpo", "gspo", "ppo"},
            doc =
                "One weight per reward, in the order reward_functions, reward_api,"
                    + " local_reward_function; null: all 1.0.")
        List<Double> rewardWeights,
    @Key(
            def = "1.0",
            origin = Origin.TRL,
            algorithms = {"ppo"},
            allowed = "[0, 1]",
            doc = "PPO discount factor.")
        Double gamma,
    @Key(
            def = "0.95",
            origin = Origin.TRL,
            algorithms = {"ppo"},
            allowed = "[0, 1]",
            doc = "PPO GAE lambda.")
        Double lam,
    @Key(
            def = "0.2",
            origin = Origin.TRL,
            algorithms = {"ppo"},
            allowed = "> 0",
            doc = "PPO policy clip range.")
        Double cliprange,
    @Key(
            def = "0.2",
            origin = Origin.TRL,
            algorithms = {"ppo"},
            allowed = "> 0",
            doc = "PPO value clip range.")
        Double cliprangeValue,
    @Key(
            def = "0.1",
            origin = Origin.TRL,
            algorithms = {"ppo"},
            allowed = ">= 0",
            doc = "PPO value-loss coefficient.")
        Double vfCoef,
    @Key(
            def = "0.05",
            origin = Origin.TRL,
            algorithms = {"ppo"},
            allowed = ">= 0",
            doc = "PPO per-token KL penalty coefficient.")
        Double klCoef,
    @Key(
            def = "k1",
            origin = Origin.TRL,
            algorithms = {"ppo"},
            allowed = "k1, k3",
            doc = "PPO KL estimator.")
        String klEstimator,
    @Key(
            def = "4",
            origin = Origin.TRL,
            algorithms = {"ppo"},
            allowed = ">= 1",
            doc = "PPO optimisation epochs per rollout batch.")
        Integer numPpoEpochs,
    @Key(
            def = "1",
            origin = Origin.TRL,
            algorithms = {"ppo"},
            allowed = ">= 1",
            doc = "PPO mini-batches per rollout batch.")
        Integer numMiniBatches,
    @Key(
            algorithms = {"ppo"},
            doc =
                "PPO reward model (a sequence classifier: Hub id or directory); null: score with"
                    + " the reward functions.")
        String rewardModelPath,
    @Key(
            def = "true",
            origin = Origin.TRL,
            algorithms = {"ppo"},
            doc = "Normalise PPO advantages to mean 0 and std 1 per batch.")
        Boolean whitenAdvantages,
    @Key(def = "0.0", origin = Origin.TRANSFORMERS, allowed = ">= 0", doc = "AdamW weight decay.")
        double weightDecay,
    @Key(
            def = "1.0",
            origin = Origin.TRANSFORMERS,
            allowed = "> 0",
            doc = "Clip the global gradient norm to this value.")
        double maxGradNorm,
    @Key(
            def = "42",
            origin = Origin.TRANSFORMERS,
            doc = "Random seed (data order, sampling, init).")
        long seed,
    @Key(
            def = "linear",
            origin = Origin.TRANSFORMERS,
            allowed = "linear, cosine, constant",
            doc = "Learning-rate schedule after warm-up.")
        String lrSchedulerType,
    @Key(
            def = "0.0",
            origin = Origin.TRANSFORMERS,
            allowed = "[0, 1)",
            doc = "Warm-up as a fraction of total steps; used when warmup_steps is 0.")
        double warmupRatio,
    @Key(
            origin = Origin.TRANSFORMERS,
            allowed = ">= 1 or null",
            doc = "Keep at most N checkpoints (oldest deleted); null: keep all.")
        Integer saveTotalLimit,
    @Key(
            origin = Origin.FAIRL,
            doc =
                "Resume from a checkpoint directory, or `true`/`latest` for the newest"
                    + " `checkpoint-*` in output_dir (FAI-RL PR #120).")
        String resumeFromCheckpoint,
    @Key(
            def = "false",
            origin = Origin.TRANSFORMERS,
            doc = "Allow writing into a non-empty output_dir (existing files may be replaced).")
        boolean overwriteOutputDir,
    @Key(
            def = "0.0",
            origin = Origin.OURS,
            allowed = "[0, 1)",
            doc =
                "Fraction of the training data held out for evaluation every eval_steps (like"
                    + " FAI-RL PR #106); 0: none.")
        double evalSplit,
    @Key(
            origin = Origin.OURS,
            doc = "A separate evaluation dataset (same keys as a data.datasets entry).")
        DatasetSpec evalDataset,
    @Key(
            def = "false",
            origin = Origin.OURS,
            doc =
                "Skip an optimizer step whose loss or gradient is NaN/inf (counted in the log)"
                    + " instead of stopping with an error.")
        boolean skipNonfiniteLoss,
    @Key(
            def = "false",
            origin = Origin.TRL,
            algorithms = {"sft", "cpt"},
            doc = "Pack several short examples into one max_length sequence.")
        Boolean packing) {

  /** The algorithms this build knows. */
  public static final Set<String> ALGORITHMS =
      Set.of("sft", "cpt", "dpo", "reward", "grpo", "gspo", "ppo");

  /** True for algorithms that sample rollouts (GRPO, GSPO, PPO). */
  public boolean online() {
    return algorithm.equals("grpo") || algorithm.equals("gspo") || algorithm.equals("ppo");
  }

  public Training {
    Check.nonBlank("training.output_dir", outputDir);
    Check.nonBlank("training.algorithm", algorithm);
    String algo = algorithm.trim().toLowerCase(Locale.ROOT);
    Check.require(
        !algo.equals("sft_vlm"),
        "training.algorithm",
        "training.algorithm 'sft_vlm' (vision-language SFT) is not supported",
        "use a text model with algorithm: sft");
    algorithm =
        Check.oneOf(
            "training.algorithm", algo, "sft", "cpt", "dpo", "reward", "grpo", "gspo", "ppo");
    Check.atLeast("training.per_device_train_batch_size", perDeviceTrainBatchSize, 1);
    Check.atLeast("training.gradient_accumulation_steps", gradientAccumulationSteps, 1);
    Check.positive("training.learning_rate", learningRate);
    Check.positive("training.num_train_epochs", numTrainEpochs);
    Check.require(
        maxSteps == -1 || maxSteps >= 1,
        "training.max_steps",
        "training.max_steps must be -1 (use num_train_epochs) or >= 1, got " + maxSteps,
        "set training.max_steps: -1 or a positive number of steps");
    Check.atLeast("training.warmup_steps", warmupSteps, 0);
    Check.atLeast("training.logging_steps", loggingSteps, 1);
    Check.atLeast("training.save_steps", saveSteps, 1);
    Check.atLeast("training.eval_steps", evalSteps, 1);
    Check.require(
        !(bf16 && fp16),
        "training.fp16",
        "training.bf16 and training.fp16 are both true",
        "choose one precision: set training.fp16: false (or training.bf16: false)");
    if (numGenerations != null) {
      Check.atLeast("training.num_generations", numGenerations, 2);
    }
    if (beta != null) {
      Check.nonNegative("training.beta", beta);
    }
    if (epsilon != null) {
      Check.positive("training.epsilon", epsilon);
    }
    if (epsilonHigh != null) {
      Check.positive("training.epsilon_high", epsilonHigh);
    }
    if (stepsPerGeneration != null) {
      Check.atLeast("training.steps_per_generation", stepsPerGeneration, 1);
    }
    if (importanceSamplingLevel != null) {
      importanceSamplingLevel =
          Check.oneOf(
              "training.importance_sampling_level", importanceSamplingLevel, "token", "sequence");
    }
    if (lossType != null) {
      lossType =
          algorithm.equals("dpo")
              ? Check.oneOf("training.loss_type", lossType, "sigmoid", "ipo", "hinge", "robust")
              : Check.oneOf("training.loss_type", lossType, "grpo", "bnpo", "dr_grpo", "dapo");
    }
    if (labelSmoothing != null) {
      Check.range("training.label_smoothing", labelSmoothing, 0, 0.5, true);
    }
    if (scaleRewards != null) {
      scaleRewards = Check.oneOf("training.scale_rewards", scaleRewards, "group", "batch", "none");
    }
    if (numIterations != null) {
      Check.atLeast("training.num_iterations", numIterations, 1);
    }
    if (temperature != null) {
      Check.positive("training.temperature", temperature);
    }
    if (topP != null) {
      Check.require(
          topP > 0 && topP <= 1,
          "training.top_p",
          "training.top_p must be in (0, 1], got " + Check.num(topP),
          "set training.top_p to a value in (0, 1], e.g. 1.0");
    }
    if (topK != null) {
      Check.atLeast("training.top_k", topK, 0);
    }
    if (maxCompletionLength != null) {
      Check.atLeast("training.max_completion_length", maxCompletionLength, 1);
    }
    rewardFunctions = rewardFunctions == null ? null : List.copyOf(rewardFunctions);
    rewardWeights = rewardWeights == null ? null : List.copyOf(rewardWeights);
    if (gamma != null) {
      Check.range("training.gamma", gamma, 0, 1, false);
    }
    if (lam != null) {
      Check.range("training.lam", lam, 0, 1, false);
    }
    if (cliprange != null) {
      Check.positive("training.cliprange", cliprange);
    }
    if (cliprangeValue != null) {
      Check.positive("training.cliprange_value", cliprangeValue);
    }
    if (vfCoef != null) {
      Check.nonNegative("training.vf_coef", vfCoef);
    }
    if (klCoef != null) {
      Check.nonNegative("training.kl_coef", klCoef);
    }
    if (klEstimator != null) {
      klEstimator = Check.oneOf("training.kl_estimator", klEstimator, "k1", "k3");
    }
    if (numPpoEpochs != null) {
      Check.atLeast("training.num_ppo_epochs", numPpoEpochs, 1);
    }
    if (numMiniBatches != null) {
      Check.atLeast("training.num_mini_batches", numMiniBatches, 1);
    }
    Check.nonNegative("training.weight_decay", weightDecay);
    Check.positive("training.max_grad_norm", maxGradNorm);
    lrSchedulerType =
        Check.oneOf("training.lr_scheduler_type", lrSchedulerType, "linear", "cosine", "constant");
    Check.range("training.warmup_ratio", warmupRatio, 0, 1, true);
    if (saveTotalLimit != null) {
      Check.atLeast("training.save_total_limit", saveTotalLimit, 1);
    }
    Check.range("training.eval_split", evalSplit, 0, 1, true);
  }
}
