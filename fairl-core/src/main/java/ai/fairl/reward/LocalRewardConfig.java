package ai.fairl.reward;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The recipe's {@code local_reward_function:} block: a class on the classpath ({@code --classpath}
 * / {@code FAIRL_CLASSPATH}) and the keyword arguments it is built or called with.
 *
 * @param function {@code com.acme.MyRewards} (a {@link RewardFunction}) or {@code
 *     com.acme.MyRewards::score} (a method); FAI-RL's Python form {@code module:func} is rejected
 *     with a hint
 * @param kwargs passed to a {@code (Map<String, Object>)} constructor or as the method's last
 *     argument
 */
public record LocalRewardConfig(String function, Map<String, Object> kwargs) {
  public LocalRewardConfig {
    if (function == null || function.isBlank()) {
      throw new IllegalArgumentException(
          "local_reward_function.function is required, e.g. function: com.acme.MyRewards or"
              + " com.acme.MyRewards::score");
    }
    function = function.trim();
    kwargs = kwargs == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(kwargs));
  }

  /** Builds the config from the recipe mapping {@code {function: ..., kwargs: {...}}}. */
  public static LocalRewardConfig fromMap(Map<String, ?> m) {
    for (String k : m.keySet()) {
      if (!k.equals("function") && !k.equals("kwargs")) {
        throw new IllegalArgumentException(
            "local_reward_function." + k + " is not a known key; known keys: function, kwargs");
      }
    }
    Object kw = m.get("kwargs");
    Map<String, Object> kwargs = new LinkedHashMap<>();
    if (kw instanceof Map<?, ?> raw) {
      raw.forEach((a, b) -> kwargs.put(String.valueOf(a), b));
    } else if (kw != null) {
      throw new IllegalArgumentException(
          "local_reward_function.kwargs must be a mapping, got '" + kw + "'");
    }
    Object fn = m.get("function");
    return new LocalRewardConfig(fn == null ? null : fn.toString(), kwargs);
  }
}
