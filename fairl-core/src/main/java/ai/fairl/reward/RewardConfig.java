package ai.fairl.reward;

import java.util.ArrayList;
import java.util.List;

/**
 * Which rewards a GRPO/GSPO/PPO run uses, as a recipe says it. They combine, in this order: the
 * named functions ({@code reward_functions}: shipped, then {@link RewardRegistry registered} in
 * this JVM, then a Java class), the HTTP endpoint ({@code reward_api}), the user class ({@code
 * local_reward_function}); {@code reward_weights} gives one weight per function in that order. With
 * none of the three, FAI-RL's GRPO set (exact_match, structured_xml, digit).
 *
 * @param functions shipped or registered reward names or user classes ({@code
 *     com.acme.MyRewards[::method]}); empty for none
 * @param weights one per function overall, or empty for all 1.0
 * @param normalizeNumbers opt-in numeric normalisation in {@code exact_match}
 * @param api the HTTP reward endpoint, or null
 * @param local the user reward class, or null
 */
public record RewardConfig(
    List<String> functions,
    List<Double> weights,
    boolean normalizeNumbers,
    RewardApiConfig api,
    LocalRewardConfig local) {

  public RewardConfig {
    functions = functions == null ? List.of() : List.copyOf(functions);
    weights = weights == null ? List.of() : List.copyOf(weights);
  }

  /** No reward keys: FAI-RL's default set. */
  public static RewardConfig defaults() {
    return new RewardConfig(List.of(), List.of(), false, null, null);
  }

  /** The functions this config names, in order, loading user classes through {@code loader}. */
  public RewardSet build(ClassLoader loader) {
    List<RewardFunction> fns = new ArrayList<>();
    for (String name : functions) {
      if (Rewards.isShipped(name)) {
        fns.add(Rewards.byName(name, normalizeNumbers));
      } else if (RewardRegistry.contains(name)) {
        fns.add(RewardRegistry.lookup(name).orElseThrow());
      } else if (!name.contains(".")) {
        throw new IllegalArgumentException(
            "reward_functions: unknown reward '"
                + name
                + "'; shipped rewards are exact_match, structured_xml, digit; registered in this"
                + " JVM: "
                + RewardRegistry.all().keySet()
                + ". Register it first (%%fairl_reward "
                + name
                + " in a notebook, RewardRegistry.register in code) or name a Java class"
                + " (com.acme.MyRewards)");
      } else {
        fns.add(Rewards.local(new LocalRewardConfig(name, null), loader));
      }
    }
    if (api != null) {
      fns.add(Rewards.http(api));
    }
    if (local != null) {
      fns.add(Rewards.local(local, loader));
    }
    if (fns.isEmpty()) {
      fns.addAll(
          List.of(Rewards.exactMatch(normalizeNumbers), Rewards.structuredXml(), Rewards.digit()));
    }
    if (weights.isEmpty()) {
      return RewardSet.of(fns);
    }
    double[] w = new double[weights.size()];
    for (int i = 0; i < w.length; i++) {
      if (weights.get(i) == null) {
        throw new IllegalArgumentException("reward_weights[" + i + "] is empty; give a number");
      }
      w[i] = weights.get(i);
    }
    return RewardSet.of(fns, w);
  }
}
