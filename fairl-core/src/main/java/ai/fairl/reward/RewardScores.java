package ai.fairl.reward;

import java.util.List;

/**
 * Scores of one batch: per reward function (already finite) and the weighted total {@code r_i = Σ_k
 * w_k R_k(i)}.
 *
 * @param names the reward functions' names, in order
 * @param weights their weights
 * @param perFunction {@code perFunction[k][i]}: function k's unweighted score of completion i
 * @param total the weighted sum per completion
 */
public record RewardScores(
    List<String> names, double[] weights, double[][] perFunction, double[] total) {

  /** Mean of function k's unweighted scores ({@code rewards/<name>/mean}). */
  public double mean(int k) {
    return Stats.mean(perFunction[k]);
  }

  /** Sample standard deviation of function k's scores ({@code rewards/<name>/std}). */
  public double std(int k) {
    return Stats.std(perFunction[k]);
  }

  /** Mean total reward ({@code reward}). */
  public double totalMean() {
    return Stats.mean(total);
  }

  /** Sample standard deviation of the total reward ({@code reward_std}). */
  public double totalStd() {
    return Stats.std(total);
  }

  static final class Stats {
    private Stats() {}

    static double mean(double[] x) {
      double s = 0;
      for (double v : x) {
        s += v;
      }
      return x.length == 0 ? Double.NaN : s / x.length;
    }

    /** Unbiased (n-1), like {@code torch.std}; 0 for a single value. */
    static double std(double[] x) {
      if (x.length < 2) {
        return 0.0;
      }
      double m = mean(x);
      double s = 0;
      for (double v : x) {
        s += (v - m) * (v - m);
      }
      return Math.sqrt(s / (x.length - 1));
    }
  }
}
