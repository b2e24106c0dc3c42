package ai.fairl.train.dpo;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.fairl.train.LogProbs;
import ai.fairl.train.LogitsFunction;
import ai.fairl.train.Objective;
import ai.fairl.train.PreferenceBatch;
import ai.fairl.train.TokenBatch;
import org.junit.jupiter.api.Test;

class DpoLossTest {
  // One pair with rho_c = 1, rho_r = -1 (so D = 2), |c| = 2, |r| = 4.
  static double loss(DpoLossType t, double beta, double eps) {
    try (NDManager m = NDManager.newBaseManager()) {
      NDArray l =
          t.loss(
              m.create(new float[] {1f}),
              m.create(new float[] {-1f}),
              m.create(new float[] {2f}),
              m.create(new float[] {4f}),
              beta,
              eps);
      return l.getFloat(0);
    }
  }

  @Test
  void eachLossTypeByHand() {
    // sigmoid, beta 0.5: -log sigmoid(1) = log(1 + e^-1) = 0.3132617
    assertEquals(0.3132617, loss(DpoLossType.SIGMOID, 0.5, 0), 1e-6);
    // hinge, beta 0.25: relu(1 - 0.5) = 0.5; beta 0.5: relu(1 - 1) = 0
    assertEquals(0.5, loss(DpoLossType.HINGE, 0.25, 0), 1e-6);
    assertEquals(0.0, loss(DpoLossType.HINGE, 0.5, 0), 1e-6);
    // ipo, beta 0.5: D_avg = 1/2 - (-1/4) = 0.75; (0.75 - 1/(2*0.5))^2 = 0.0625
    assertEquals(0.0625, loss(DpoLossType.IPO, 0.5, 0), 1e-6);
    // robust, beta 0.5, e 0.1: [0.9 * 0.3132617 - 0.1 * 1.3132617] / 0.8 = 0.1882617
    assertEquals(0.1882617, loss(DpoLossType.ROBUST, 0.5, 0.1), 1e-6);
    // robust with e = 0 is sigmoid
    assertEquals(loss(DpoLossType.SIGMOID, 0.5, 0), loss(DpoLossType.ROBUST, 0.5, 0), 1e-7);
  }

  @Test
  void objectiveComputesSequenceLogProbsAndTrlMetrics() {
    // Zero logits over a vocab of 4: every token has log-prob -log 4. Completions have 2 labelled
    // tokens, so logp = -2 log 4 = -2.7725887 for both sides.
    LogitsFunction uniform =
        (ids, mask, training) ->
            ids.getManager().zeros(new Shape(ids.getShape().get(0), ids.getShape().get(1), 4));
    long ig = LogProbs.IGNORE;
    TokenBatch rows =
        new TokenBatch(
            2,
            4,
            new long[] {1, 2, 3, 0, 1, 3, 2, 0},
            new long[] {1, 1, 1, 0, 1, 1, 1, 0},
            new long[] {ig, 2, 3, ig, ig, 3, 2, ig});
    double logp = -2 * Math.log(4);
    PreferenceBatch b =
        new PreferenceBatch(1, rows, new double[] {logp - 1}, new double[] {logp + 1});
    DpoObjective o = new DpoObjective(uniform, null, DpoLossType.SIGMOID, 0.5, 0);
    try (NDManager m = NDManager.newBaseManager()) {
      Objective.Loss l = o.loss(b, m, false);
      assertEquals(0.3132617, l.sum().getFloat(), 1e-5);
      assertEquals(0.5, l.metrics().get("rewards/chosen"), 1e-5);
      assertEquals(-0.5, l.metrics().get("rewards/rejected"), 1e-5);
      assertEquals(1.0, l.metrics().get("rewards/margins"), 1e-5);
      assertEquals(1.0, l.metrics().get("rewards/accuracies"));
      assertEquals(logp, l.metrics().get("logps/chosen"), 1e-5);
    }
    assertTrue(
        org.junit.jupiter.api.Assertions.assertThrows(
                IllegalArgumentException.class, () -> DpoLossType.parse("kto"))
            .getMessage()
            .contains("sigmoid, ipo, hinge or robust"));
  }
}
