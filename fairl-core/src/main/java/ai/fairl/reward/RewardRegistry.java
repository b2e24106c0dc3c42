package ai.fairl.reward;

import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reward functions registered under a name in this JVM (a notebook kernel's {@code %%fairl_reward
 * NAME}, or code), so that a recipe started afterwards in the same JVM can name them in {@code
 * training.reward_functions} like a shipped reward:
 *
 * <pre>{@code
 * RewardRegistry.register("short", (p, c, cols) -> c.stream().mapToDouble(s -> -s.length()).toArray());
 * // recipe: training.reward_functions: [exact_match, short]
 * }</pre>
 *
 * <p>A recipe resolves a reward name as: a shipped reward, then a registered one, then a Java
 * class. Names are Java identifiers and cannot shadow a shipped reward. The registry lives as long
 * as the JVM; registering a name again replaces the function (re-running a notebook cell).
 */
public final class RewardRegistry {
  private static final Map<String, RewardFunction> REGISTERED = new ConcurrentHashMap<>();

  private RewardRegistry() {}

  /**
   * Registers {@code fn} under {@code name}; its metrics are {@code rewards/<name>/...}.
   *
   * @throws IllegalArgumentException when the name is not a Java identifier or is a shipped reward
   */
  public static void register(String name, RewardFunction fn) {
    if (name == null || !name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      throw new IllegalArgumentException(
          "reward name must be a Java identifier (letters, digits, _), got " + name);
    }
    if (Rewards.isShipped(name)) {
      throw new IllegalArgumentException(
          "reward name '"
              + name
              + "' is a shipped reward (exact_match, structured_xml, digit and FAI-RL's names for"
              + " them); choose another name");
    }
    if (fn == null) {
      throw new IllegalArgumentException("reward '" + name + "': the function must not be null");
    }
    REGISTERED.put(name, Rewards.named(name, fn));
  }

  /** The function registered under {@code name}, named for metrics. */
  public static Optional<RewardFunction> lookup(String name) {
    return name == null ? Optional.empty() : Optional.ofNullable(REGISTERED.get(name.trim()));
  }

  /** Whether {@code name} is registered. */
  public static boolean contains(String name) {
    return lookup(name).isPresent();
  }

  /** Removes a registration; returns whether there was one. */
  public static boolean unregister(String name) {
    return name != null && REGISTERED.remove(name) != null;
  }

  /** A snapshot of the registered rewards, sorted by name. */
  public static Map<String, RewardFunction> all() {
    return Map.copyOf(new TreeMap<>(REGISTERED));
  }

  /**
   * The names among {@code names} that resolve to a function registered in this JVM (a notebook's
   * {@code %%fairl_reward}): other processes, such as the workers of {@code --num-gpus N}, cannot
   * see them.
   */
  public static java.util.List<String> onlyInThisJvm(java.util.List<String> names) {
    if (names == null) {
      return java.util.List.of();
    }
    return names.stream().filter(n -> !Rewards.isShipped(n) && contains(n)).toList();
  }

  /**
   * What to say when a run that starts {@code workers} worker processes names rewards registered
   * only in this JVM: the message, then how to package the reward so every worker loads it.
   */
  public static String[] workerError(java.util.List<String> names, int workers) {
    String list = String.join(", ", names);
    return new String[] {
      "training.reward_functions names "
          + list
          + ", defined in this JVM (a notebook's %%fairl_reward or RewardRegistry.register);"
          + " the "
          + workers
          + " worker processes of a multi-GPU run cannot see it, so no worker was started",
      "package the reward as a class: put a public class implementing"
          + " ai.fairl.reward.RewardFunction (e.g. com.acme.MyRewards with a no-argument"
          + " constructor) in a jar, add the jar with --classpath my-rewards.jar (or"
          + " FAIRL_CLASSPATH; %jars in a notebook) and name it in the recipe:"
          + " `local_reward_function: {function: com.acme.MyRewards}` or"
          + " `training.reward_functions: [com.acme.MyRewards]`; or train on one GPU"
          + " (--num-gpus 1), where the notebook's reward works as it is"
    };
  }
}
