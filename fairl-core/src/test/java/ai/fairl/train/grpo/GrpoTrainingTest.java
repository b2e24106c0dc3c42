package ai.fairl.train.grpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.fairl.reward.RewardSet;
import ai.fairl.reward.Rewards;
import ai.fairl.train.TrainConfig;
import ai.fairl.train.TrainLoop;
import ai.fairl.train.TrainResult;
import ai.fairl.train.TrainTask;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GrpoTrainingTest {
  @TempDir Path out;

  static List<RolloutSource.Prompt> arithmetic(int n, long seed) {
    Random r = new Random(seed);
    List<RolloutSource.Prompt> p = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int a = r.nextInt(r.nextBoolean() ? 10 : 100);
      int b = r.nextInt(10);
      p.add(new RolloutSource.Prompt(a + "+" + b + "=", Map.of("answer", String.valueOf(a + b))));
    }
    return p;
  }

  @Test
  void generatorLogProbsEqualTrainerRecomputedAndFirstRatioIsOne() {
    try (TinyPolicy pol = new TinyPolicy(7);
        NDManager m = NDManager.newBaseManager()) {
      // num_iterations 2 with one micro-batch per step: off-policy, so the batch keeps the
      // generator's log-probs as π_old
      GrpoConfig cfg =
          GrpoConfig.grpoDefaults()
              .with(
                  b -> {
                    b.numGenerations = 4;
                    b.numIterations = 2;
                    b.maxCompletionLength = 6;
                  });
      RolloutSource src =
          new RolloutSource(
              arithmetic(10, 1), // prompts of 4 to 5 characters: left padding in play
              pol::encode,
              pol.sampler(),
              pol.logits(),
              null,
              RewardSet.defaults(),
              cfg,
              8,
              1,
              3);
      RolloutBatch b = src.next(m);
      assertTrue(b.oldLogp() != null, "off-policy batches carry the generator's log-probs");
      NDArray logits = pol.logits().logits(b.ids(m), b.mask(m), false);
      NDArray recomputed = CompletionLogProbs.of(logits, b.completionIds(m), b.promptLen(), 1.0)[1];
      float[] mine = recomputed.mul(b.completionMask(m)).toFloatArray();
      double maxDiff = 0;
      int counted = 0;
      for (int i = 0; i < mine.length; i++) {
        if (b.completionMask()[i] > 0) {
          maxDiff = Math.max(maxDiff, Math.abs(mine[i] - b.oldLogp()[i]));
          counted++;
        }
      }
      assertTrue(counted > 8, "some completion tokens to compare, got " + counted);
      assertTrue(maxDiff <= 1e-5, "generator vs trainer log-prob max |diff| = " + maxDiff);

      // on-policy (the default): π_old = sg(π), so the first ratio is exactly 1
      GrpoLoss.Result r =
          GrpoLoss.compute(
              recomputed, null, null, m.create(b.advantages()), b.completionMask(m), cfg);
      assertEquals(1.0, r.ratioMean(), 0.0);
      // and with the generator's π_old the ratio is 1 within fp32
      GrpoLoss.Result off =
          GrpoLoss.compute(
              recomputed,
              RolloutBatch.array(m, b.oldLogp(), b.rows(), b.completionLen()),
              null,
              m.create(b.advantages()),
              b.completionMask(m),
              cfg);
      assertEquals(1.0, off.ratioMean(), 1e-5);
      assertEquals(0.0, off.clipRegion(), 0.0);
    }
  }

  @Test
  void seededGrpoRaisesMeanReward() throws Exception {
    try (TinyPolicy pol = new TinyPolicy(11)) {
      GrpoConfig cfg =
          GrpoConfig.grpoDefaults()
              .with(
                  b -> {
                    b.numGenerations = 8;
                    b.maxCompletionLength = 4;
                    b.lossType = LossType.GRPO;
                  });
      // the tiny task: answer with sevens (a random model writes one 1 time in 16)
      RewardSet rewards =
          RewardSet.of(
              List.of(
                  Rewards.named(
                      "sevens",
                      (p, c, cols) ->
                          c.stream()
                              .mapToDouble(
                                  t ->
                                      t.chars().filter(ch -> ch == '7').count()
                                          / Math.max(1.0, t.length()))
                              .toArray()),
                  Rewards.digit()));
      RolloutSource src =
          new RolloutSource(
              arithmetic(64, 2),
              pol::encode,
              pol.sampler(),
              pol.logits(),
              null,
              rewards,
              cfg,
              32,
              1,
              5);
      TrainConfig tc =
          TrainConfig.builder(out)
              .algorithm("grpo")
              .learningRate(3e-3)
              .warmupSteps(0)
              .maxSteps(30)
              .loggingSteps(1)
              .saveSteps(0)
              .seed(5)
              .gradientAccumulationSteps(1)
              .build();
      long t0 = System.nanoTime();
      TrainResult res =
          new TrainLoop(tc, List.of(), null)
              .run(
                  new TrainTask<>(
                      new GrpoObjective(pol.logits(), cfg), pol.trainable(), src, null));
      double secs = (System.nanoTime() - t0) / 1e9;
      List<Double> reward = res.history().stream().map(h -> h.get("reward")).toList();
      double first = reward.subList(0, 5).stream().mapToDouble(d -> d).average().orElseThrow();
      double lastR =
          reward.subList(reward.size() - 5, reward.size()).stream()
              .mapToDouble(d -> d)
              .average()
              .orElseThrow();
      System.out.printf("GRPO tiny: reward first5=%.3f last5=%.3f in %.1fs%n", first, lastR, secs);
      assertTrue(lastR > first + 0.2, "mean reward should rise: " + reward);
      List<Double> sevens = res.history().stream().map(h -> h.get("rewards/sevens/mean")).toList();
      assertTrue(
          sevens.get(sevens.size() - 1) + sevens.get(sevens.size() - 2)
              > 2 * (sevens.get(0) + 0.15),
          "the sevens reward should rise: " + sevens);
      assertTrue(secs < 120, "took " + secs + " s");
      assertTrue(res.history().get(0).containsKey("rewards/sevens/mean"));
      assertTrue(res.history().get(0).containsKey("clip_ratio/region_mean"));
      assertTrue(res.history().get(0).containsKey("completions/mean_length"));
      assertTrue(res.history().get(0).containsKey("entropy"));
    }
  }
}
