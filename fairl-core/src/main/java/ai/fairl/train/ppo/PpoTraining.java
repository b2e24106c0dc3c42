package ai.fairl.train.ppo;

import ai.djl.ndarray.NDArray;
import ai.fairl.generate.Generator;
import ai.fairl.model.Tokenizer;
import ai.fairl.model.TransformerModel;
import ai.fairl.model.lora.LoraModel;
import ai.fairl.recipe.Training;
import ai.fairl.recipe.TrainingRecipe;
import ai.fairl.reward.RewardSet;
import ai.fairl.train.DataParallel;
import ai.fairl.train.LogitsFunction;
import ai.fairl.train.OnlineRun;
import ai.fairl.train.StopSignal;
import ai.fairl.train.TrainConfig;
import ai.fairl.train.TrainListener;
import ai.fairl.train.TrainLoop;
import ai.fairl.train.TrainResult;
import ai.fairl.train.TrainTask;
import ai.fairl.train.Trainable;
import ai.fairl.train.grpo.GrpoTraining;
import ai.fairl.train.grpo.KlEstimator;
import ai.fairl.train.grpo.RolloutSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A PPO run from a training recipe: the policy with a value head on its trunk, the reference a
 * frozen copy of the starting policy, rewards from the recipe's reward keys (a reward model joins
 * them as one more {@link ai.fairl.reward.RewardFunction}), the prompts as GRPO reads them.
 *
 * <p>Under LoRA ({@link #run(TrainingRecipe, LoraModel, Tokenizer, Path, Path, List, StopSignal,
 * ClassLoader)}) the adapters and the head train, the reference is the base with its adapters
 * disabled, and the output is a PEFT adapter folder plus the head.
 *
 * <p>Simplified: the value head always shares the policy's trunk here ({@link ActorCritic#separate}
 * exists for callers with a separate value model); the head is saved as {@code
 * value_head.safetensors} next to the policy.
 */
public final class PpoTraining {
  private PpoTraining() {}

  /** The recipe's PPO keys over FAI-RL's last PPO defaults. */
  public static PpoConfig config(TrainingRecipe recipe) {
    Training t = recipe.training();
    return PpoConfig.defaults()
        .with(
            b -> {
              if (t.numPpoEpochs() != null) {
                b.numPpoEpochs = t.numPpoEpochs();
              }
              if (t.numMiniBatches() != null) {
                b.numMiniBatches = t.numMiniBatches();
              }
              if (t.gamma() != null) {
                b.gamma = t.gamma();
              }
              if (t.lam() != null) {
                b.lam = t.lam();
              }
              if (t.cliprange() != null) {
                b.cliprange = t.cliprange();
              }
              if (t.cliprangeValue() != null) {
                b.cliprangeValue = t.cliprangeValue();
              }
              if (t.vfCoef() != null) {
                b.vfCoef = t.vfCoef();
              }
              if (t.klCoef() != null) {
                b.klCoef = t.klCoef();
              }
              if (t.klEstimator() != null) {
                b.klEstimator = KlEstimator.parse(t.klEstimator());
              }
              if (t.temperature() != null) {
                b.temperature = t.temperature();
              }
              b.responseLength =
                  t.maxCompletionLength() != null
                      ? t.maxCompletionLength()
                      : recipe.data().maxLength() - recipe.data().maxPromptLength();
            });
  }

  /**
   * Runs PPO on {@code policy} (all weights and a fresh value head) as the recipe says.
   *
   * @param dp this process's place in a data-parallel job ({@link DataParallel#single()} alone)
   */
  public static TrainResult run(TrainingRecipe recipe, TransformerModel policy, OnlineRun run)
      throws IOException {
    if (!policy.adapterParameters().isEmpty()) {
      throw new IllegalArgumentException(
          "the policy carries LoRA adapters: pass its LoraModel (PpoTraining.run(recipe, lora,"
              + " ...)) so that only the adapters train and are saved in PEFT format");
    }
    return run(recipe, policy, null, run);
  }

  /**
   * Runs PPO on {@code lora}'s adapters and a fresh value head (frozen base; the reference is the
   * base with the adapters disabled); checkpoints and the final output are PEFT adapter folders
   * plus {@code value_head.safetensors}.
   */
  public static TrainResult run(TrainingRecipe recipe, LoraModel lora, OnlineRun run)
      throws IOException {
    return run(recipe, lora.model(), lora, run);
  }

  private static TrainResult run(
      TrainingRecipe recipe, TransformerModel policy, LoraModel lora, OnlineRun run)
      throws IOException {
    Tokenizer tokenizer = run.tokenizer();
    Path outputDir = run.outputDir();
    Path datasetBase = run.datasetBase();
    List<TrainListener> listeners = run.listeners();
    StopSignal stop = run.stop();
    ClassLoader loader = run.loader();
    DataParallel dp = run.dp();
    if (!recipe.training().algorithm().equals("ppo")) {
      throw new IllegalArgumentException(
          "PpoTraining runs training.algorithm ppo, got '" + recipe.training().algorithm() + "'");
    }
    PpoConfig cfg = config(recipe);
    RewardSet rewards = GrpoTraining.rewards(recipe, loader);
    TrainConfig tc = GrpoTraining.trainConfig(recipe, outputDir);
    List<RolloutSource.Prompt> prompts = GrpoTraining.prompts(recipe, tokenizer, datasetBase);
    TransformerModel frozen = null;
    if (lora == null) {
      policy.setRequiresGrad(true);
      Path tmp = Files.createTempDirectory("fairl-ppo-ref-");
      try {
        policy.save(tmp);
        frozen = TransformerModel.load(tmp, policy.manager(), policy.dtype());
      } finally {
        try (var s = Files.walk(tmp)) {
          for (Path f : s.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.deleteIfExists(f);
          }
        }
      }
    }
    try (ValueHead head =
        new ValueHead(policy.manager(), policy.config().hiddenSize(), recipe.training().seed())) {
      Generator generator = new Generator(policy, tokenizer);
      ActorCritic ac = ActorCritic.sharedTrunk(policy, head);
      LogitsFunction refLogits =
          lora != null ? GrpoTraining.withoutAdapters(policy) : GrpoTraining.logits(frozen);
      Boolean whiten = recipe.training().whitenAdvantages();
      PpoRolloutSource source =
          new PpoRolloutSource(
              prompts,
              s -> tokenizer.encode(s, false),
              (p, c) -> generator.generate(p, c, null),
              ac,
              refLogits,
              rewards,
              cfg,
              recipe.training().perDeviceTrainBatchSize(),
              recipe.training().gradientAccumulationSteps(),
              whiten == null || whiten,
              recipe.training().seed());
      Map<String, NDArray> params =
          new LinkedHashMap<>(lora != null ? lora.parameters() : policy.parameters());
      params.putAll(head.parameters());
      Trainable trainable =
          new Trainable() {
            @Override
            public Map<String, NDArray> parameters() {
              return params;
            }

            @Override
            public void save(Path dir) throws IOException {
              if (lora != null) {
                lora.save(dir);
              } else {
                policy.save(dir);
              }
              ai.fairl.model.Safetensors.save(
                  dir.resolve("value_head.safetensors"), head.parameters(), Map.of());
            }

            @Override
            public void load(Path dir) throws IOException {
              Trainable weights = lora != null ? lora : GrpoTraining.fullModel(policy);
              weights.load(dir);
              Map<String, NDArray> saved =
                  ai.fairl.model.Safetensors.load(
                      dir.resolve("value_head.safetensors"), policy.manager());
              head.parameters().forEach((k, v) -> v.set(saved.get(k).toFloatArray()));
            }
          };
      return new TrainLoop(tc, listeners, stop, dp)
          .run(new TrainTask<>(new PpoObjective(ac, cfg), trainable, source, null));
    } finally {
      if (frozen != null) {
        frozen.close();
      }
    }
  }
}
