package ai.fairl.train.ppo;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.fairl.train.grpo.KlEstimator;
import org.junit.jupiter.api.Test;

class PpoMathTest {

  @Test
  void gaeOnAThreeStepEpisode() {
    double[] r = {0, 0, 1};
    double[] v = {0.5, 0.6, 0.7};
    // γ = 1, λ = 0.95:
    // t=2: δ = 1 + 0 − 0.7 = 0.3                  A = 0.3
    // t=1: δ = 0 + 0.7 − 0.6 = 0.1                A = 0.1 + 0.95·0.3   = 0.385
    // t=0: δ = 0 + 0.6 − 0.5 = 0.1                A = 0.1 + 0.95·0.385 = 0.46575
    Gae.Result g = Gae.compute(r, v, 1.0, 0.95);
    assertArrayEquals(new double[] {0.46575, 0.385, 0.3}, g.advantages(), 1e-12);
    assertArrayEquals(new double[] {0.96575, 0.985, 1.0}, g.returns(), 1e-12);
    // γ = 0.9, λ = 0.5: δ2 = 0.3; δ1 = 0.9·0.7 − 0.6 = 0.03; δ0 = 0.9·0.6 − 0.5 = 0.04
    // A1 = 0.03 + 0.45·0.3 = 0.165; A0 = 0.04 + 0.45·0.165 = 0.11425
    assertArrayEquals(
        new double[] {0.11425, 0.165, 0.3}, Gae.compute(r, v, 0.9, 0.5).advantages(), 1e-12);
  }

  @Test
  void perTokenKlPenaltyAndScoreOnTheLastToken() {
    double[] logp = {-1, -2, -1};
    double[] ref = {-1.1, -2, -0.5};
    // k1 = π − π_ref = [0.1, 0, −0.5]; r = −0.05·k1, + score 2 on the last
    assertArrayEquals(
        new double[] {-0.005, 0, 0.025 + 2},
        Gae.tokenRewards(logp, ref, 2.0, 0.05, KlEstimator.K1),
        1e-12);
  }

  @Test
  void whiteningOverTheBatch() {
    double[][] w = Gae.whiten(new double[][] {{1, 2}, {3}}, true);
    double s = Math.sqrt(1 + 1e-8); // mean 2, unbiased var 1
    assertArrayEquals(new double[] {-1 / s, 0}, w[0], 1e-12);
    assertArrayEquals(new double[] {1 / s}, w[1], 1e-12);
    assertArrayEquals(
        new double[] {-1 / s + 2, 2}, Gae.whiten(new double[][] {{1, 2}, {3}}, false)[0], 1e-12);
  }

  @Test
  void clippedPolicyAndValueLossByHand() {
    try (NDManager m = NDManager.newBaseManager()) {
      Shape s = new Shape(1, 2);
      var oldLogp = m.create(new float[] {-1f, -1f}, s);
      var newLogp =
          m.create(new float[] {(float) (-1 + Math.log(1.5)), (float) (-1 + Math.log(0.9))}, s);
      var adv = m.create(new float[] {1f, -1f}, s);
      var vNew = m.create(new float[] {1.0f, 0.0f}, s);
      var vOld = m.create(new float[] {0.5f, 0.1f}, s);
      var ret = m.create(new float[] {2.0f, 0.0f}, s);
      var mask = m.create(new float[] {1f, 1f}, s);
      PpoLoss.Result r =
          PpoLoss.compute(newLogp, oldLogp, adv, vNew, vOld, ret, mask, PpoConfig.defaults());
      // ρ = [1.5, 0.9]; −Aρ = [−1.5, 0.9]; −A·clip(ρ) = [−1.2, 0.9]; max = [−1.2, 0.9]
      assertEquals((-1.2 + 0.9) / 2, r.policyLoss(), 1e-6);
      assertEquals(0.5, r.policyClipFrac(), 0);
      // V_c = [clip(1.0, 0.3, 0.7), clip(0, −0.1, 0.3)] = [0.7, 0]
      // max((1−2)², (0.7−2)²) = 1.69; max(0, 0) = 0 → ½·mean = 0.4225
      assertEquals(0.4225, r.valueLoss(), 1e-6);
      assertEquals(0.5, r.valueClipFrac(), 0);
      assertEquals(-0.15 + 0.1 * 0.4225, r.loss().getFloat(), 1e-6);
      double l1 = Math.log(1.5);
      double l2 = Math.log(0.9);
      assertEquals(0.5 * (l1 * l1 + l2 * l2) / 2, r.approxKl(), 1e-6);
    }
  }

  @Test
  void defaultsAreFaiRlsLastPpo() {
    PpoConfig c = PpoConfig.defaults();
    assertEquals(1.0, c.gamma());
    assertEquals(0.95, c.lam());
    assertEquals(0.2, c.cliprange());
    assertEquals(0.2, c.cliprangeValue());
    assertEquals(0.1, c.vfCoef());
    assertEquals(KlEstimator.K1, c.klEstimator());
  }
}
