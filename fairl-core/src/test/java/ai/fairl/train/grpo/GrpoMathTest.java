package ai.fairl.train.grpo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hand-computed GRPO/GSPO numbers. The batch: two completions of three tokens, the second with a
 * padded last token; advantages A = [1, −2].
 */
class GrpoMathTest {
  static final double TOL = 1e-5;
  NDManager m;

  @BeforeEach
  void open() {
    m = NDManager.newBaseManager();
  }

  @AfterEach
  void close() {
    m.close();
  }

  // ---------------------------------------------------------------- group advantages

  @Test
  void groupAdvantagesScaleByGroupBatchOrNothing() {
    double[] r = {1, 3, 2, 6}; // two groups of G = 2
    double s1 = Math.sqrt(2); // std{1,3}, unbiased
    double s2 = Math.sqrt(8); // std{2,6}
    assertArrayEquals(
        new double[] {-1 / (s1 + 1e-4), 1 / (s1 + 1e-4), -2 / (s2 + 1e-4), 2 / (s2 + 1e-4)},
        GroupAdvantages.compute(r, 2, ScaleRewards.GROUP),
        1e-12);
    double sb = Math.sqrt((4 + 0 + 1 + 9) / 3.0); // batch mean 3: deviations -2, 0, -1, 3
    assertArrayEquals(
        new double[] {-1 / (sb + 1e-4), 1 / (sb + 1e-4), -2 / (sb + 1e-4), 2 / (sb + 1e-4)},
        GroupAdvantages.compute(r, 2, ScaleRewards.BATCH),
        1e-12);
    assertArrayEquals(
        new double[] {-1, 1, -2, 2}, GroupAdvantages.compute(r, 2, ScaleRewards.NONE), 1e-12);
  }

  @Test
  void equalRewardsGiveZeroAdvantage() {
    assertArrayEquals(
        new double[] {0, 0, 0},
        GroupAdvantages.compute(new double[] {2, 2, 2}, 3, ScaleRewards.GROUP),
        0);
    assertEquals(0.5, GroupAdvantages.fractionZeroStd(new double[] {1, 1, 0, 2}, 2));
  }

  @Test
  void scaleRewardsAcceptsTrlBooleans() {
    assertEquals(ScaleRewards.GROUP, ScaleRewards.parse("True"));
    assertEquals(ScaleRewards.NONE, ScaleRewards.parse("false"));
    assertEquals(
        "training.scale_rewards must be group, batch or none, got 'sum'",
        assertThrows(IllegalArgumentException.class, () -> ScaleRewards.parse("sum")).getMessage());
  }

  // ---------------------------------------------------------------- KL estimators

  @Test
  void klEstimatorsOnHandValues() {
    // d = ref - logp
    assertEquals(-0.1, KlEstimator.K1.of(0.0, 0.1), 1e-12);
    assertEquals(Math.exp(0.1) - 0.1 - 1, KlEstimator.K3.of(0.0, 0.1), 1e-12); // 0.0051709
    assertEquals(0.0051709181, KlEstimator.K3.of(-1.0, -0.9), 1e-9);
    assertEquals(0.0048374180, KlEstimator.K3.of(-1.0, -1.1), 1e-9);
    assertEquals(0.0, KlEstimator.K3.of(-2.0, -2.0), 0);
    NDArray logp = m.create(new float[] {-1f, -2f});
    NDArray ref = m.create(new float[] {-0.8f, -2f});
    assertArrayEquals(new float[] {-0.2f, 0f}, KlEstimator.K1.of(logp, ref).toFloatArray(), 1e-6f);
    assertArrayEquals(
        new float[] {(float) (Math.exp(0.2) - 0.2 - 1), 0f},
        KlEstimator.K3.of(logp, ref).toFloatArray(),
        1e-6f);
  }

  // ---------------------------------------------------------------- loss types

  NDArray logp() {
    return m.create(new float[] {-1, -2, -3, -0.5f, -0.5f, -9}, new Shape(2, 3));
  }

  NDArray mask() {
    return m.create(new float[] {1, 1, 1, 1, 1, 0}, new Shape(2, 3));
  }

  NDArray adv() {
    return m.create(new float[] {1, -2});
  }

  static GrpoConfig cfg(LossType t) {
    return GrpoConfig.grpoDefaults().with(b -> b.lossType = t);
  }

  /** The loss as the loop sees it for a step of this one micro-batch: sum / items. */
  static double mean(GrpoLoss.Result r) {
    return r.sum().getFloat() / r.items();
  }

  double loss(LossType t) {
    return mean(GrpoLoss.compute(logp(), null, null, adv(), mask(), cfg(t)));
  }

  @Test
  void onPolicyEachLossTypeByHand() {
    // w = 1, L_t = -A: seq 1 = [-1, -1, -1], seq 2 = [2, 2, (pad)]
    assertEquals((-1 + 2) / 2.0, loss(LossType.GRPO), TOL); // mean of sequence means
    assertEquals((-3 + 4) / 5.0, loss(LossType.BNPO), TOL); // token mean
    GrpoConfig dr =
        GrpoConfig.grpoDefaults()
            .with(
                b -> {
                  b.lossType = LossType.DR_GRPO;
                  b.maxCompletionLength = 4;
                });
    assertEquals(1.0 / (2 * 4), mean(GrpoLoss.compute(logp(), null, null, adv(), mask(), dr)), TOL);
    GrpoLoss.Result dapo = GrpoLoss.compute(logp(), null, null, adv(), mask(), cfg(LossType.DAPO));
    assertEquals(1.0, dapo.sum().getFloat(), TOL); // Σ m·L
    assertEquals(5, dapo.items()); // N_tok: the loop divides by the step's tokens
    assertEquals(
        2, GrpoLoss.compute(logp(), null, null, adv(), mask(), cfg(LossType.GRPO)).items());
    assertEquals(
        1, GrpoLoss.compute(logp(), null, null, adv(), mask(), cfg(LossType.BNPO)).items());
  }

  @Test
  void firstIterationRatioIsOneAndGradientIsMinusAdvantageOverTokens() {
    NDArray logp = logp();
    logp.setRequiresGradient(true);
    GrpoLoss.Result r;
    try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
      r = GrpoLoss.compute(logp, null, null, adv(), mask(), cfg(LossType.GRPO));
      gc.backward(ai.fairl.engine.Scalars.div(r.sum(), r.items()));
    }
    assertEquals(1.0, r.ratioMean(), 0);
    assertEquals(0.0, r.clipRegion(), 0);
    // d/dπ_t of mean_i(Σ_t m·(−A_i·w_t) / n_i) = −A_i / (n_i · B)
    assertArrayEquals(
        new float[] {-1f / 6, -1f / 6, -1f / 6, 2f / 4, 2f / 4, 0f},
        logp.getGradient().toFloatArray(),
        1e-6f);
  }

  NDArray old(double[][] ratio) {
    // π_old = π − log w, so that exp(π − π_old) = w
    float[] lp = logp().toFloatArray();
    float[] o = new float[6];
    for (int i = 0; i < 6; i++) {
      o[i] = (float) (lp[i] - Math.log(ratio[i / 3][i % 3]));
    }
    return m.create(o, new Shape(2, 3));
  }

  static final double[][] W = {{1.5, 1.0, 0.5}, {1.1, 0.7, 1.0}};

  @Test
  void tokenLevelClippingWithClipHigher() {
    GrpoConfig c =
        GrpoConfig.grpoDefaults()
            .with(
                b -> {
                  b.epsilon = 0.2;
                  b.epsilonHigh = 0.28;
                  b.lossType = LossType.BNPO;
                });
    GrpoLoss.Result r = GrpoLoss.compute(logp(), old(W), null, adv(), mask(), c);
    // seq 1 (A = 1):  1.5 -> min(1.5, 1.28) = 1.28; 1 -> 1; 0.5 -> min(0.5, 0.8) = 0.5
    // seq 2 (A = -2): 1.1 -> min(-2.2, -2.2);  0.7 -> min(-1.4, -1.6) = -1.6
    double[] seq1 = {-1.28, -1.0, -0.5};
    double[] seq2 = {2.2, 1.6};
    double sum = seq1[0] + seq1[1] + seq1[2] + seq2[0] + seq2[1];
    assertEquals(sum / 5, mean(r), TOL);
    assertEquals(1 / 5.0, r.clipLow(), TOL); // 0.7 < 0.8 with A < 0
    assertEquals(1 / 5.0, r.clipHigh(), TOL); // 1.5 > 1.28 with A > 0
    assertEquals(2 / 5.0, r.clipRegion(), TOL);
    GrpoConfig g = c.with(b -> b.lossType = LossType.GRPO);
    assertEquals(
        ((seq1[0] + seq1[1] + seq1[2]) / 3 + (seq2[0] + seq2[1]) / 2) / 2,
        mean(GrpoLoss.compute(logp(), old(W), null, adv(), mask(), g)),
        TOL);
  }

  @Test
  void gspoSequenceRatioIsTheGeometricMeanOfTokenRatios() {
    // seq 1: exp(mean(ln 1.5, 0, ln 0.5)) = 0.75^(1/3); seq 2 (2 tokens): 0.77^(1/2)
    double w1 = Math.cbrt(0.75);
    double w2 = Math.sqrt(0.77);
    GrpoConfig wide =
        GrpoConfig.gspoDefaults()
            .with(
                b -> {
                  b.epsilon = 0.2;
                  b.epsilonHigh = 0.28;
                });
    GrpoLoss.Result r = GrpoLoss.compute(logp(), old(W), null, adv(), mask(), wide);
    assertEquals((w1 + w2) / 2, r.ratioMean(), TOL);
    assertEquals((-w1 + 2 * w2) / 2, mean(r), TOL); // no clipping at 0.2

    GrpoConfig gspo = GrpoConfig.gspoDefaults(); // epsilon 3e-4 / 4e-4, loss grpo
    r = GrpoLoss.compute(logp(), old(W), null, adv(), mask(), gspo);
    // seq 1, A = 1: min(w1, 0.9997) = w1; seq 2, A = -2: min(-2 w2, -2 * 0.9997) = -1.9994
    assertEquals((-w1 + 2 * 0.9997) / 2, mean(r), TOL);
    assertEquals(0.5, r.clipLow(), TOL); // one of two sequences
    assertEquals(0.0, r.clipHigh(), 0);
  }

  @Test
  void betaAddsK3PerToken() {
    float[] d = {0.1f, 0f, -0.1f, 0.2f, 0f, 5f}; // ref − π; the last is padding
    float[] lp = logp().toFloatArray();
    float[] ref = new float[6];
    for (int i = 0; i < 6; i++) {
      ref[i] = lp[i] + d[i];
    }
    GrpoConfig c =
        GrpoConfig.grpoDefaults()
            .with(
                b -> {
                  b.beta = 0.1;
                  b.lossType = LossType.BNPO;
                });
    GrpoLoss.Result r =
        GrpoLoss.compute(logp(), null, m.create(ref, new Shape(2, 3)), adv(), mask(), c);
    double k3 = (Math.exp(0.1) - 1.1) + (Math.exp(-0.1) - 0.9) + (Math.exp(0.2) - 1.2);
    assertEquals(k3 / 5, r.kl(), 1e-6);
    assertEquals((1 + 0.1 * k3) / 5, mean(r), TOL);
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> GrpoLoss.compute(logp(), null, null, adv(), mask(), c))
            .getMessage()
            .contains("reference"));
  }

  @Test
  void entropyOfKnownDistributions() {
    NDArray logits =
        m.create(
            new float[] {0, 0, 0, 0, 0, (float) Math.log(3), -1000, -1000}, new Shape(1, 2, 4));
    float[] h = GrpoLoss.entropy(logits).toFloatArray();
    assertEquals(Math.log(4), h[0], 1e-6);
    assertEquals(-(0.25 * Math.log(0.25) + 0.75 * Math.log(0.75)), h[1], 1e-6);
  }

  @Test
  void configErrorsTeach() {
    assertEquals(
        "training.num_generations must be >= 2, got 1",
        assertThrows(
                IllegalArgumentException.class,
                () -> GrpoConfig.grpoDefaults().with(b -> b.numGenerations = 1))
            .getMessage());
    assertEquals(
        "training.loss_type must be one of grpo, bnpo, dr_grpo, dapo, got 'ppo'",
        assertThrows(IllegalArgumentException.class, () -> LossType.parse("ppo")).getMessage());
  }
}
