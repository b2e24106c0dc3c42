package ai.fairl.recipe;

import java.util.List;

/** Reward names a recipe can use without a jar, and FAI-RL's Python names for them. */
final class Rewards {
  private Rewards() {}

  /** Built-in reward functions (package ai.fairl.reward), FAI-RL's GRPO set in order. */
  static final List<String> BUILT_IN = List.of("exact_match", "structured_xml", "digit");

  private static final String JAVA_NAME =
      "[A-Za-z_$][\\w$]*(\\.[A-Za-z_$][\\w$]*)+(::[A-Za-z_$][\\w$]*)?";

  /**
   * The built-in reward a name means: {@code exact_match}, FAI-RL's function name {@code
   * exact_match_reward_func}, or its module path {@code
   * trainers.rewards.accuracy_rewards:exact_match_reward_func}; null for anything else.
   */
  static String builtIn(String name) {
    String key = name.trim();
    int colon = key.lastIndexOf(':');
    if (colon >= 0 && !key.contains("::")) {
      key = key.substring(colon + 1);
    }
    if (key.endsWith("_reward_func")) {
      key = key.substring(0, key.length() - "_reward_func".length());
    }
    return BUILT_IN.contains(key) ? key : null;
  }

  /** A Java class ({@code com.acme.MyRewards}) or static method ({@code ...::score}). */
  static boolean javaName(String name) {
    return name.trim().matches(JAVA_NAME);
  }
}
