package ai.fairl.recipe;

import java.util.List;
import java.util.Map;

/** Reward names a recipe can use without a jar, and FAI-RL's Python names for them. */
final class Rewards {
  private Rewards() {}

  /** Built-in reward functions (package ai.fairl.reward), FAI-RL's GRPO set in order. */
  static final List<String> BUILT_IN = List.of("exact_match", "structured_xml", "digit");

  /** FAI-RL's Python reward functions that have a built-in equivalent. */
  static final Map<String, String> FAIRL_PYTHON =
      Map.of(
          "trainers.rewards.accuracy_rewards:exact_match_reward_func", "exact_match",
          "trainers.rewards.accuracy_rewards:digit_reward_func", "digit",
          "trainers.rewards.format_rewards:structured_xml_reward_func", "structured_xml");
}
