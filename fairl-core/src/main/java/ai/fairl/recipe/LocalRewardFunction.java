package ai.fairl.recipe;

import java.util.Map;

/**
 * The top-level {@code local_reward_function:} section (FAI-RL PR #103): a reward implemented in a
 * user jar. FAI-RL's Python names of its own shipped rewards ({@code
 * trainers.rewards.accuracy_rewards:exact_match_reward_func}, ...) map to the built-in ones.
 */
public record LocalRewardFunction(
    @Key(
            required = true,
            doc =
                "`com.acme.MyRewards` (a `ai.fairl.reward.RewardFunction`) or"
                    + " `com.acme.MyRewards::score` (a static method with the same signature), on"
                    + " the classpath (`--classpath` / FAIRL_CLASSPATH).")
        String function,
    @Key(def = "{}", doc = "Passed to the function's constructor (a Map) or as extra columns.")
        Map<String, Object> kwargs) {

  public LocalRewardFunction {
    Check.nonBlank("local_reward_function.function", function);
    kwargs = kwargs == null ? Map.of() : Map.copyOf(kwargs);
    String f = function.trim();
    boolean javaName = Rewards.javaName(f) || Rewards.builtIn(f) != null;
    Check.require(
        javaName,
        "local_reward_function.function",
        "local_reward_function.function must name a Java class (com.acme.MyRewards) or method"
            + " (com.acme.MyRewards::score), got '"
            + function
            + "'"
            + (f.contains(":") ? " (a Python function; Java cannot import it)" : ""),
        "implement ai.fairl.reward.RewardFunction in a jar, add it with --classpath, and name"
            + " the class here; or use training.reward_functions: ["
            + String.join(", ", Rewards.BUILT_IN)
            + "]");
  }
}
