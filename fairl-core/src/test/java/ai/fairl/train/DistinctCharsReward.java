package ai.fairl.train;

import ai.fairl.reward.RewardFunction;
import java.util.List;
import java.util.Map;

/**
 * A reward that varies between any two random completions (the number of distinct characters), so a
 * GRPO step on an untrained tiny model has non-zero advantages and gradients to compare.
 */
public final class DistinctCharsReward implements RewardFunction {
  @Override
  public double[] score(
      List<String> prompts, List<String> completions, List<Map<String, Object>> columns) {
    double[] out = new double[completions.size()];
    for (int i = 0; i < out.length; i++) {
      out[i] = completions.get(i).chars().distinct().count();
    }
    return out;
  }
}
