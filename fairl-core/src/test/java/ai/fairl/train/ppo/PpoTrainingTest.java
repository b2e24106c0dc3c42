package ai.fairl.train.ppo;

import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.fairl.generate.Generator;
import ai.fairl.model.Tokenizer;
import ai.fairl.model.Tokenizers;
import ai.fairl.model.TransformerConfig;
import ai.fairl.model.TransformerModel;
import ai.fairl.reward.RewardSet;
import ai.fairl.reward.Rewards;
import ai.fairl.train.TrainConfig;
import ai.fairl.train.TrainLoop;
import ai.fairl.train.TrainResult;
import ai.fairl.train.TrainTask;
import ai.fairl.train.Trainable;
import ai.fairl.train.grpo.RolloutSource;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PPO on a tiny random Llama with a value head on its trunk: reward rises, value loss falls. The
 * reward is 1 plus the fraction of sevens, so the untrained head (values near 0) starts far from
 * the returns and has something to learn while the policy improves.
 */
class PpoTrainingTest {
  @TempDir Path out;

  @Test
  void ppoRaisesRewardAndItsValueLossFalls() throws Exception {
    String alphabet = "0123456789+=";
    try (NDManager root = NDManager.newBaseManager();
        Tokenizer tok = Tokenizers.charLevel(alphabet)) {
      TransformerConfig c =
          TransformerConfig.tiny("llama", Tokenizers.charLevelVocabSize(alphabet), 32, 2);
      TransformerModel policy = TransformerModel.create(c, root, DataType.FLOAT32, 3);
      TransformerModel ref = TransformerModel.create(c, root, DataType.FLOAT32, 3);
      policy.setRequiresGrad(true);
      ValueHead head = new ValueHead(root, c.hiddenSize(), 3);
      Generator gen = new Generator(policy, tok);
      List<RolloutSource.Prompt> prompts = new ArrayList<>();
      for (int i = 0; i < 16; i++) {
        prompts.add(new RolloutSource.Prompt(i + "+" + (i % 7) + "=", Map.of("answer", "7")));
      }
      RewardSet sevens =
          RewardSet.of(
              List.of(
                  Rewards.named(
                      "sevens",
                      (p, cs, cols) ->
                          cs.stream()
                              .mapToDouble(
                                  t ->
                                      1.0
                                          + t.chars().filter(ch -> ch == '7').count()
                                              / Math.max(1.0, t.length()))
                              .toArray())));
      PpoConfig cfg =
          PpoConfig.defaults()
              .with(
                  b -> {
                    b.responseLength = 4;
                    b.temperature = 1.0;
                    b.numPpoEpochs = 2;
                    b.vfCoef = 0.5;
                  });
      ActorCritic ac = ActorCritic.sharedTrunk(policy, head);
      PpoRolloutSource src =
          new PpoRolloutSource(
              prompts,
              s -> tok.encode(s, false),
              (p, g) -> gen.generate(p, g, null),
              ac,
              (ids, mask, training) -> ref.forward(ids, mask, null, null, false).logits(),
              sevens,
              cfg,
              16,
              1,
              true,
              9);
      Map<String, NDArray> params = new LinkedHashMap<>(policy.parameters());
      params.putAll(head.parameters());
      Trainable trainable =
          new Trainable() {
            @Override
            public Map<String, NDArray> parameters() {
              return params;
            }

            @Override
            public void save(Path dir) {
              policy.save(dir);
            }

            @Override
            public void load(Path dir) {
              throw new UnsupportedOperationException();
            }
          };
      TrainConfig tc =
          TrainConfig.builder(out)
              .algorithm("ppo")
              .learningRate(3e-3)
              .warmupSteps(0)
              .maxSteps(24)
              .loggingSteps(1)
              .saveSteps(0)
              .seed(9)
              .build();
      long t0 = System.nanoTime();
      TrainResult res =
          new TrainLoop(tc, List.of(), null)
              .run(new TrainTask<>(new PpoObjective(ac, cfg), trainable, src, null));
      double secs = (System.nanoTime() - t0) / 1e9;
      List<Double> reward = res.history().stream().map(h -> h.get("reward")).toList();
      List<Double> vloss = res.history().stream().map(h -> h.get("value_loss")).toList();
      double r0 = avg(reward.subList(0, 4));
      double r1 = avg(reward.subList(reward.size() - 4, reward.size()));
      double v0 = avg(vloss.subList(0, 4));
      double v1 = avg(vloss.subList(vloss.size() - 4, vloss.size()));
      System.out.printf(
          "PPO tiny: reward %.3f -> %.3f, value loss %.4f -> %.4f in %.1fs%n",
          r0, r1, v0, v1, secs);
      assertTrue(r1 > r0 + 0.1, "reward should rise: " + reward);
      assertTrue(v1 < v0, "value loss should fall: " + vloss);
      head.close();
      policy.close();
      ref.close();
    }
  }

  static double avg(List<Double> x) {
    return x.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
  }
}
