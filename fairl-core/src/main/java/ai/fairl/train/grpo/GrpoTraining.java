package ai.fairl.train.grpo;

import ai.djl.ndarray.NDArray;
import ai.fairl.data.templates.MathTemplate;
import ai.fairl.data.templates.Message;
import ai.fairl.data.templates.TemplatedExample;
import ai.fairl.generate.Generator;
import ai.fairl.infer.DatasetRows;
import ai.fairl.model.Tokenizer;
import ai.fairl.model.TransformerModel;
import ai.fairl.model.lora.LoraModel;
import ai.fairl.recipe.Data;
import ai.fairl.recipe.DatasetSpec;
import ai.fairl.recipe.Training;
import ai.fairl.recipe.TrainingRecipe;
import ai.fairl.reward.LocalRewardConfig;
import ai.fairl.reward.RewardApiConfig;
import ai.fairl.reward.RewardConfig;
import ai.fairl.reward.RewardSet;
import ai.fairl.train.DataParallel;
import ai.fairl.train.LogitsFunction;
import ai.fairl.train.LrSchedule;
import ai.fairl.train.OnlineRun;
import ai.fairl.train.StopSignal;
import ai.fairl.train.TrainConfig;
import ai.fairl.train.TrainListener;
import ai.fairl.train.TrainLoop;
import ai.fairl.train.TrainResult;
import ai.fairl.train.TrainTask;
import ai.fairl.train.Trainable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A GRPO or GSPO run from a training recipe: the recipe's datasets through {@link MathTemplate}
 * (any dataset with prompt and answer columns), its rewards ({@code reward_functions}, {@code
 * reward_api}, {@code local_reward_function}, or FAI-RL's default set), its GRPO keys (FAI-RL/TRL
 * defaults per algorithm, see {@link #config}), and the one {@link TrainLoop}.
 *
 * <p>Prompts: the template's messages through the tokenizer's chat template with the generation
 * prompt, as FAI-RL does; a tokenizer without a chat template (the project's character-level
 * tokenizer) gets the question followed by a newline.
 *
 * <p>What trains: the {@link LoraModel}'s adapters when one is given (the reference is then the
 * same model with its adapters disabled; checkpoints and the final output are PEFT adapter folders,
 * {@code adapter_config.json} + {@code adapter_model.safetensors}, as SFT writes them), else all
 * the model's weights (the reference, when beta != 0, is a frozen copy made at the start).
 */
public final class GrpoTraining {
  private GrpoTraining() {}

  /** The GRPO/GSPO settings of a recipe: per-algorithm defaults, then the recipe's keys. */
  public static GrpoConfig config(TrainingRecipe recipe) {
    Training t = recipe.training();
    Data d = recipe.data();
    GrpoConfig base =
        t.algorithm().equals("gspo") ? GrpoConfig.gspoDefaults() : GrpoConfig.grpoDefaults();
    return base.with(
        b -> {
          if (t.numGenerations() != null) {
            b.numGenerations = t.numGenerations();
          }
          if (t.numIterations() != null) {
            b.numIterations = t.numIterations();
          }
          if (t.stepsPerGeneration() != null) {
            b.stepsPerGeneration = t.stepsPerGeneration();
          }
          if (t.beta() != null) {
            b.beta = t.beta();
          }
          if (t.epsilon() != null) {
            b.epsilon = t.epsilon();
            if (t.epsilonHigh() == null && !t.algorithm().equals("gspo")) {
              b.epsilonHigh = t.epsilon();
            }
          }
          if (t.epsilonHigh() != null) {
            b.epsilonHigh = t.epsilonHigh();
          }
          if (t.lossType() != null) {
            b.lossType = LossType.parse(t.lossType());
          }
          if (t.importanceSamplingLevel() != null) {
            b.importanceLevel = ImportanceLevel.parse(t.importanceSamplingLevel());
          }
          if (t.scaleRewards() != null) {
            b.scaleRewards = ScaleRewards.parse(t.scaleRewards());
          }
          if (t.maskTruncatedCompletions() != null) {
            b.maskTruncatedCompletions = t.maskTruncatedCompletions();
          }
          if (t.temperature() != null) {
            b.temperature = t.temperature();
          }
          if (t.topP() != null) {
            b.topP = t.topP();
          }
          if (t.topK() != null) {
            b.topK = t.topK();
          }
          b.maxPromptLength = d.maxPromptLength();
          b.maxCompletionLength =
              t.maxCompletionLength() != null
                  ? t.maxCompletionLength()
                  : d.maxLength() - d.maxPromptLength();
        });
  }

  /** The recipe's rewards, in the order reward_functions, reward_api, local_reward_function. */
  public static RewardSet rewards(TrainingRecipe recipe, ClassLoader loader) {
    Training t = recipe.training();
    RewardApiConfig api = null;
    if (recipe.rewardApi() != null) {
      var a = recipe.rewardApi();
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("endpoint", a.endpoint());
      m.put("api_key", a.apiKey());
      m.put("auth_header", a.authHeader());
      m.put("auth_scheme", a.authScheme());
      m.put("headers", a.headers());
      m.put("extra_body", a.extraBody());
      m.put("response_field", a.responseField());
      m.put("timeout_seconds", a.timeoutSeconds());
      m.put("max_retries", a.maxRetries());
      m.put("retry_backoff_seconds", a.retryBackoffSeconds());
      m.put("verify_ssl", a.verifySsl());
      m.values().removeIf(java.util.Objects::isNull);
      api = RewardApiConfig.fromMap(m);
    }
    LocalRewardConfig local =
        recipe.localRewardFunction() == null
            ? null
            : new LocalRewardConfig(
                recipe.localRewardFunction().function(), recipe.localRewardFunction().kwargs());
    return new RewardConfig(t.rewardFunctions(), t.rewardWeights(), false, api, local)
        .build(loader);
  }

  /** The loop settings of a recipe's {@code training:} section. */
  public static TrainConfig trainConfig(TrainingRecipe recipe, Path outputDir) {
    Training t = recipe.training();
    TrainConfig.Builder b =
        TrainConfig.builder(outputDir)
            .algorithm(t.algorithm())
            .learningRate(t.learningRate())
            .schedule(LrSchedule.parse(t.lrSchedulerType()))
            .warmupSteps(t.warmupSteps())
            .warmupRatio(t.warmupRatio())
            .weightDecay(t.weightDecay())
            .gradientAccumulationSteps(t.gradientAccumulationSteps())
            .maxGradNorm(t.maxGradNorm())
            .numTrainEpochs(t.numTrainEpochs())
            .maxSteps(t.maxSteps())
            .seed(t.seed())
            .loggingSteps(t.loggingSteps())
            .saveSteps(t.saveSteps())
            .evalSteps(t.evalSteps())
            .skipNonFiniteLoss(t.skipNonfiniteLoss());
    if (t.saveTotalLimit() != null) {
      b.saveTotalLimit(t.saveTotalLimit());
    }
    if (t.resumeFromCheckpoint() != null) {
      b.resumeFromCheckpoint(t.resumeFromCheckpoint());
    }
    return b.build();
  }

  /**
   * The recipe's datasets as GRPO prompts: each row through {@link MathTemplate#forDataset} with
   * its {@code prompt_column} and {@code answer_column}, rendered for {@code tokenizer}.
   *
   * @param base where relative dataset paths resolve (the working directory or install root)
   */
  public static List<RolloutSource.Prompt> prompts(
      TrainingRecipe recipe, Tokenizer tokenizer, Path base) {
    List<RolloutSource.Prompt> out = new ArrayList<>();
    for (DatasetSpec ds : recipe.data().datasets()) {
      MathTemplate tpl = MathTemplate.forDataset(ds.name());
      String pc = ds.promptColumn() == null ? tpl.defaultColumns().get(0) : ds.promptColumn();
      String ac = ds.answerColumn() == null ? tpl.defaultColumns().get(1) : ds.answerColumn();
      List<Map<String, Object>> rows = DatasetRows.load(ds.name(), ds.split(), base);
      for (int i = 0; i < rows.size(); i++) {
        Map<String, Object> row = rows.get(i);
        TemplatedExample ex;
        try {
          ex = tpl.format(row, pc, ac);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              ds.name() + " row " + (i + 1) + ": " + e.getMessage(), e);
        }
        Map<String, Object> cols = new LinkedHashMap<>(row);
        cols.put("answer", ex.answer());
        out.add(new RolloutSource.Prompt(render(ex.prompt(), tokenizer), cols));
      }
    }
    return out;
  }

  /** The prompt text the policy sees (see the class comment). */
  public static String render(List<Message> messages, Tokenizer tokenizer) {
    if (tokenizer.chatTemplate() == null) {
      return messages.get(messages.size() - 1).content() + "\n";
    }
    List<Map<String, Object>> msgs = new ArrayList<>();
    for (Message m : messages) {
      msgs.add(Tokenizer.message(m.role(), m.content()));
    }
    return tokenizer.applyChatTemplate(msgs, true);
  }

  /** The policy as the loop's logits function. */
  public static LogitsFunction logits(TransformerModel model) {
    return LogitsFunction.of(model);
  }

  /** The full model's weights as the optimizer's parameters; saved as a Hugging Face folder. */
  public static Trainable fullModel(TransformerModel model) {
    return new Trainable() {
      @Override
      public Map<String, NDArray> parameters() {
        return model.parameters();
      }

      @Override
      public void save(Path dir) {
        model.save(dir);
      }

      @Override
      public void load(Path dir) {
        try (TransformerModel saved = TransformerModel.load(dir, model.manager(), model.dtype())) {
          for (Map.Entry<String, NDArray> e : model.parameters().entrySet()) {
            e.getValue().set(saved.parameters().get(e.getKey()).toFloatArray());
          }
        }
      }
    };
  }

  /** The model with its adapters switched off for one forward pass (the LoRA reference). */
  public static LogitsFunction withoutAdapters(TransformerModel model) {
    return LogitsFunction.withoutAdapters(model);
  }

  /**
   * Runs GRPO/GSPO on all of {@code policy}'s weights as the recipe says.
   *
   * @param run the tokenizer, output and dataset folders, listeners, stop signal, reward class
   *     loader and data-parallel place
   */
  public static TrainResult run(TrainingRecipe recipe, TransformerModel policy, OnlineRun run)
      throws IOException {
    if (!policy.adapterParameters().isEmpty()) {
      throw new IllegalArgumentException(
          "the policy carries LoRA adapters: pass its LoraModel (GrpoTraining.run(recipe, lora,"
              + " ...)) so that only the adapters train and are saved in PEFT format");
    }
    return run(recipe, policy, null, run);
  }

  /**
   * Runs GRPO/GSPO on {@code lora}'s adapters (frozen base, reference = adapters disabled); the
   * run's checkpoints and final output are PEFT adapter folders. Parameters as above.
   */
  public static TrainResult run(TrainingRecipe recipe, LoraModel lora, OnlineRun run)
      throws IOException {
    return run(recipe, lora.model(), lora, run);
  }

  private static TrainResult run(
      TrainingRecipe recipe, TransformerModel policy, LoraModel loraModel, OnlineRun run)
      throws IOException {
    Tokenizer tokenizer = run.tokenizer();
    Path outputDir = run.outputDir();
    Path datasetBase = run.datasetBase();
    List<TrainListener> listeners = run.listeners();
    StopSignal stop = run.stop();
    ClassLoader loader = run.loader();
    DataParallel dp = run.dp();
    String algo = recipe.training().algorithm();
    if (!algo.equals("grpo") && !algo.equals("gspo")) {
      throw new IllegalArgumentException(
          "GrpoTraining runs training.algorithm grpo or gspo, got '" + algo + "'");
    }
    GrpoConfig cfg = config(recipe);
    RewardSet rewards = rewards(recipe, loader);
    TrainConfig tc = trainConfig(recipe, outputDir);
    List<RolloutSource.Prompt> prompts = prompts(recipe, tokenizer, datasetBase);
    boolean lora = loraModel != null;
    if (!lora) {
      policy.setRequiresGrad(true);
    }
    Generator generator = new Generator(policy, tokenizer);
    LogitsFunction pol = logits(policy);
    TransformerModel frozen = null;
    LogitsFunction ref = null;
    try {
      if (cfg.beta() != 0.0 && lora) {
        ref = withoutAdapters(policy);
      } else if (cfg.beta() != 0.0) {
        Path tmp = Files.createTempDirectory("fairl-ref-");
        try {
          policy.save(tmp);
          frozen = TransformerModel.load(tmp, policy.manager(), policy.dtype());
        } finally {
          deleteTree(tmp);
        }
        ref = logits(frozen);
      }
      RolloutSource source =
          new RolloutSource(
              prompts,
              s -> tokenizer.encode(s, false),
              (p, c) -> generator.generate(p, c, null),
              pol,
              ref,
              rewards,
              cfg,
              recipe.training().perDeviceTrainBatchSize(),
              recipe.training().gradientAccumulationSteps(),
              recipe.training().seed());
      TrainTask<RolloutBatch> task =
          new TrainTask<>(
              new GrpoObjective(pol, cfg), lora ? loraModel : fullModel(policy), source, null);
      return new TrainLoop(tc, listeners, stop, dp).run(task);
    } finally {
      if (frozen != null) {
        frozen.close();
      }
    }
  }

  private static void deleteTree(Path p) throws IOException {
    try (var s = Files.walk(p)) {
      for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(f);
      }
    }
  }
}
