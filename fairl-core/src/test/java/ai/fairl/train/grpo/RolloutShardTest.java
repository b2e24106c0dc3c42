package ai.fairl.train.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.ndarray.NDManager;
import ai.fairl.reward.RewardSet;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** GRPO under data parallel: every rank generates its own rollouts from its share of prompts. */
class RolloutShardTest {

  private static RolloutSource source(TinyPolicy pol, List<long[][]> seen, List<Long> seeds) {
    GrpoConfig cfg = GrpoConfig.grpoDefaults().with(b -> b.numGenerations = 4);
    RolloutSource.Sampler recording =
        (prompts, gc) -> {
          seen.add(prompts);
          seeds.add(gc.seed());
          return pol.sampler().sample(prompts, gc);
        };
    return new RolloutSource(
        GrpoTrainingTest.arithmetic(20, 3),
        pol::encode,
        recording,
        pol.logits(),
        null,
        RewardSet.defaults(),
        cfg,
        8,
        1,
        11);
  }

  @Test
  void ranksGenerateDisjointSharesOfTheSingleProcessPromptStream() {
    try (TinyPolicy pol = new TinyPolicy(7);
        NDManager m = NDManager.newBaseManager()) {
      List<long[][]> one = new ArrayList<>();
      List<Long> oneSeeds = new ArrayList<>();
      RolloutSource single = source(pol, one, oneSeeds);
      for (int i = 0; i < 4; i++) {
        single.next(m); // one micro-batch per generation: generations 0..3
      }
      assertEquals(4, one.size());
      for (int r = 0; r < 2; r++) {
        List<long[][]> mine = new ArrayList<>();
        List<Long> seeds = new ArrayList<>();
        RolloutSource src = source(pol, mine, seeds);
        assertEquals(src, src.shard(r, 2));
        assertEquals(single.microBatchesPerEpoch() / 2, src.microBatchesPerEpoch());
        src.next(m);
        src.next(m); // this rank's generations 0 and 1 = the single run's r and 2 + r
        for (int g = 0; g < 2; g++) {
          long[][] expected = one.get(g * 2 + r);
          assertEquals(expected.length, mine.get(g).length);
          for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], mine.get(g)[i], "rank " + r + " generation " + g);
          }
          assertEquals(oneSeeds.get(g * 2 + r), seeds.get(g), "sampling seed");
        }
      }
      RolloutSource used = source(pol, new ArrayList<>(), new ArrayList<>());
      used.next(m);
      assertThrows(IllegalStateException.class, () -> used.shard(0, 2));
      assertThrows(IllegalArgumentException.class, () -> single.shard(2, 2));
    }
  }
}
