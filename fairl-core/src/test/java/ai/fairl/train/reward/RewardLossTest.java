package ai.fairl.train.reward;

import static org.junit.jupiter.api.Assertions.assertEquals;

import ai.djl.ndarray.NDManager;
import ai.fairl.train.Objective;
import ai.fairl.train.PreferenceBatch;
import ai.fairl.train.TokenBatch;
import org.junit.jupiter.api.Test;

class RewardLossTest {
  @Test
  void bradleyTerryByHand() {
    // Scores: pair 1 chosen 2.0 / rejected 0.5; pair 2 chosen 0.0 / rejected 1.0.
    // -log sigmoid(1.5) = log(1 + e^-1.5) = 0.2014133; -log sigmoid(-1) = log(1 + e) = 1.3132617
    ScoreFunction fixed =
        (ids, mask, training) -> ids.getManager().create(new float[] {2f, 0f, 0.5f, 1f});
    TokenBatch rows = new TokenBatch(4, 1, new long[4], new long[] {1, 1, 1, 1}, new long[4]);
    PreferenceBatch b = new PreferenceBatch(2, rows, null, null);
    try (NDManager m = NDManager.newBaseManager()) {
      Objective.Loss l = new RewardObjective(fixed, 0, 0).loss(b, m, true);
      assertEquals(0.2014133 + 1.3132617, l.sum().getFloat(), 1e-5);
      assertEquals(0.5, l.metrics().get("rewards/accuracies"));
      assertEquals((1.5 - 1.0) / 2, l.metrics().get("rewards/margins"), 1e-6);
      // margin 0.5 shifts the first pair's difference to 1.0: log(1 + e^-1) = 0.3132617
      Objective.Loss withMargin = new RewardObjective(fixed, 0.5, 0).loss(b, m, true);
      assertEquals(0.3132617 + Math.log(1 + Math.exp(1.5)), withMargin.sum().getFloat(), 1e-5);
      // centering adds c * (r_c + r_r)^2 = 0.01 * (6.25 + 1)
      Objective.Loss centred = new RewardObjective(fixed, 0, 0.01).loss(b, m, true);
      assertEquals(0.2014133 + 1.3132617 + 0.0725, centred.sum().getFloat(), 1e-5);
    }
  }
}
