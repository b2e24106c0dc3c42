package ai.fairl.generate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** Sampling frequencies match the arithmetic of temperature, top-k and top-p. */
class SamplersTest {
  static final float[] LOGITS = {
    0f, (float) Math.log(2), (float) Math.log(4), (float) Math.log(1), -50f
  };

  static double[] freq(GenerationConfig cfg, int draws) {
    SplittableRandom r = new SplittableRandom(1);
    double[] f = new double[LOGITS.length];
    for (int i = 0; i < draws; i++) {
      f[(int) Samplers.sample(LOGITS, cfg, r)] += 1.0 / draws;
    }
    return f;
  }

  @Test
  void plainTopKAndTopPDistributions() {
    // probabilities 1:2:4:1 (token 4 negligible) -> 1/8, 2/8, 4/8, 1/8
    double[] f = freq(GenerationConfig.sampling(1, 1.0, 0, 1.0, 0), 40000);
    assertEquals(0.125, f[0], 0.01);
    assertEquals(0.25, f[1], 0.01);
    assertEquals(0.5, f[2], 0.01);
    assertEquals(0.125, f[3], 0.01);
    // top-2: tokens 2 and 1 renormalised: 2/3, 1/3
    f = freq(GenerationConfig.sampling(1, 1.0, 2, 1.0, 0), 40000);
    assertEquals(2.0 / 3, f[2], 0.01);
    assertEquals(1.0 / 3, f[1], 0.01);
    assertEquals(0, f[0] + f[3] + f[4], 1e-12);
    // top-p 0.7: 0.5 (token 2) + 0.25 (token 1) = 0.75 >= 0.7 -> {2, 1}
    f = freq(GenerationConfig.sampling(1, 1.0, 0, 0.7, 0), 40000);
    assertEquals(2.0 / 3, f[2], 0.01);
    assertEquals(0, f[0] + f[3] + f[4], 1e-12);
    // temperature 0.5 squares the ratios: 1:4:16:1 over 22
    f = freq(GenerationConfig.sampling(1, 0.5, 0, 1.0, 0), 40000);
    assertEquals(16.0 / 22, f[2], 0.01);
    // ties: equal logits 0 and 3, top-1 picks the lower id
    assertEquals(
        2,
        Samplers.sample(
            LOGITS, GenerationConfig.sampling(1, 1.0, 1, 1.0, 0), new SplittableRandom(3)));
    float[] tie = {1f, 5f, 5f};
    assertEquals(
        1,
        Samplers.sample(
            tie, GenerationConfig.sampling(1, 1.0, 1, 1.0, 0), new SplittableRandom(3)));
    assertTrue(Samplers.logSoftmaxAt(LOGITS, 2) < 0);
    assertEquals(Math.log(0.5), Samplers.logSoftmaxAt(LOGITS, 2), 1e-6);
  }
}
