package ai.fairl.train.grpo;

/**
 * GRPO's group-relative advantages (TRL grpo_trainer.py, {@code sum_then_normalize}): the rewards
 * of the {@code G} completions of one prompt sit next to each other; each completion's advantage is
 * its reward minus its group's mean, divided by {@code σ + 1e-4} unless {@link ScaleRewards#NONE}.
 * σ is the unbiased standard deviation (torch.std) of the group, or of the whole batch.
 */
public final class GroupAdvantages {
  private GroupAdvantages() {}

  /** TRL's epsilon in the denominator. */
  public static final double EPS = 1e-4;

  /**
   * @param rewards total reward per completion, groups of {@code groupSize} consecutive entries
   * @param groupSize G, the completions per prompt (at least 2)
   * @return one advantage per completion
   */
  public static double[] compute(double[] rewards, int groupSize, ScaleRewards scale) {
    if (groupSize < 2) {
      throw new IllegalArgumentException(
          "training.num_generations must be at least 2 for group advantages, got " + groupSize);
    }
    if (rewards.length % groupSize != 0) {
      throw new IllegalArgumentException(
          rewards.length + " rewards do not split into groups of " + groupSize);
    }
    double[] adv = new double[rewards.length];
    double batchStd = std(rewards, 0, rewards.length);
    for (int g = 0; g < rewards.length; g += groupSize) {
      double mean = 0;
      for (int i = g; i < g + groupSize; i++) {
        mean += rewards[i];
      }
      mean /= groupSize;
      double sigma = scale == ScaleRewards.BATCH ? batchStd : std(rewards, g, g + groupSize);
      for (int i = g; i < g + groupSize; i++) {
        adv[i] = rewards[i] - mean;
        if (scale != ScaleRewards.NONE) {
          adv[i] /= sigma + EPS;
        }
      }
    }
    return adv;
  }

  /** Fraction of groups whose rewards are all equal ({@code frac_reward_zero_std}). */
  public static double fractionZeroStd(double[] rewards, int groupSize) {
    int zero = 0;
    int groups = rewards.length / groupSize;
    for (int g = 0; g < rewards.length; g += groupSize) {
      if (std(rewards, g, g + groupSize) == 0.0) {
        zero++;
      }
    }
    return groups == 0 ? 0.0 : (double) zero / groups;
  }

  static double std(double[] x, int from, int to) {
    int n = to - from;
    if (n < 2) {
      return 0.0;
    }
    double m = 0;
    for (int i = from; i < to; i++) {
      m += x[i];
    }
    m /= n;
    double s = 0;
    for (int i = from; i < to; i++) {
      s += (x[i] - m) * (x[i] - m);
    }
    return Math.sqrt(s / (n - 1));
  }
}
