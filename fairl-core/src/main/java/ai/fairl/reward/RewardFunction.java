package ai.fairl.reward;

import java.util.List;
import java.util.Map;

/**
 * A reward for GRPO, GSPO and PPO: one score per completion. Implement it in a user jar and name
 * the class in a recipe ({@code local_reward_function.function: com.acme.MyRewards}), pass a lambda
 * from code or a notebook cell, or use a shipped one ({@code exact_match}, {@code structured_xml},
 * {@code digit}).
 *
 * <p>{@code columns} carries the dataset's other columns for each sample (e.g. {@code answer}), one
 * list entry per completion, aligned with {@code completions}.
 */
@FunctionalInterface
public interface RewardFunction {
  /**
   * Scores completions.
   *
   * @param prompts the rendered prompt of each completion
   * @param completions the generated text of each completion
   * @param columns per completion, the dataset row's columns (e.g. {@code answer})
   * @return one score per completion, same order; NaN is reported as an error with the sample
   */
  double[] score(List<String> prompts, List<String> completions, List<Map<String, Object>> columns);

  /**
   * The name used in metrics ({@code rewards/<name>/mean}); defaults to the class's simple name.
   */
  default String name() {
    return getClass().getSimpleName();
  }
}
