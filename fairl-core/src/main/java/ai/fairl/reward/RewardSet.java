package ai.fairl.reward;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Several reward functions with weights (TRL's {@code reward_weights}, all 1.0 by default), scored
 * together. Every score is checked: a function that throws, returns the wrong count, or returns NaN
 * or infinity fails the batch with a {@link RewardException} naming the function and the sample.
 * When a local function throws on a batch, it is re-run one sample at a time to find the sample
 * that causes it.
 */
public final class RewardSet {
  private final List<RewardFunction> functions;
  private final double[] weights;
  private final List<String> names;

  private RewardSet(List<RewardFunction> functions, double[] weights) {
    if (functions.isEmpty()) {
      throw new IllegalArgumentException("a reward set needs at least one reward function");
    }
    if (weights.length != functions.size()) {
      throw new IllegalArgumentException(
          "reward_weights has "
              + weights.length
              + " entries for "
              + functions.size()
              + " reward functions "
              + namesOf(functions)
              + "; give one weight per function, in the same order");
    }
    for (int i = 0; i < weights.length; i++) {
      if (!Double.isFinite(weights[i])) {
        throw new IllegalArgumentException(
            "reward_weights[" + i + "] must be a finite number, got " + weights[i]);
      }
    }
    this.functions = List.copyOf(functions);
    this.weights = weights.clone();
    List<String> n = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (String name : namesOf(functions)) {
      String unique = name;
      for (int k = 2; !seen.add(unique); k++) {
        unique = name + "_" + k;
      }
      n.add(unique);
    }
    this.names = List.copyOf(n);
  }

  /** Equal weights of 1.0. */
  public static RewardSet of(List<RewardFunction> functions) {
    double[] w = new double[functions.size()];
    java.util.Arrays.fill(w, 1.0);
    return new RewardSet(functions, w);
  }

  /** With explicit weights, one per function. */
  public static RewardSet of(List<RewardFunction> functions, double[] weights) {
    return new RewardSet(functions, weights);
  }

  /** FAI-RL's default GRPO set: exact match, structured XML, digit, weight 1 each. */
  public static RewardSet defaults() {
    return of(Rewards.defaults());
  }

  /** The functions' metric names, made unique with a suffix where two share a name. */
  public List<String> names() {
    return names;
  }

  public double[] weights() {
    return weights.clone();
  }

  /** Scores a batch; {@code columns.get(i)} is completion i's dataset row. */
  public RewardScores score(
      List<String> prompts, List<String> completions, List<Map<String, Object>> columns) {
    int n = completions.size();
    if (prompts.size() != n || columns.size() != n) {
      throw new IllegalArgumentException(
          "rewards need one prompt and one row per completion: "
              + prompts.size()
              + " prompts, "
              + n
              + " completions, "
              + columns.size()
              + " rows");
    }
    double[][] per = new double[functions.size()][];
    double[] total = new double[n];
    for (int k = 0; k < functions.size(); k++) {
      per[k] = scoreOne(k, prompts, completions, columns);
      for (int i = 0; i < n; i++) {
        total[i] += weights[k] * per[k][i];
      }
    }
    return new RewardScores(names, weights.clone(), per, total);
  }

  private double[] scoreOne(
      int k, List<String> prompts, List<String> completions, List<Map<String, Object>> columns) {
    RewardFunction fn = functions.get(k);
    String name = names.get(k);
    double[] s;
    try {
      s = fn.score(prompts, completions, columns);
    } catch (RuntimeException e) {
      int culprit =
          fn instanceof HttpReward ? -1 : findThrowingSample(fn, prompts, completions, columns);
      String where =
          culprit < 0
              ? "on a batch of " + completions.size()
              : "on sample " + culprit + ": " + describe(prompts, completions, columns, culprit);
      throw new RewardException(
          "reward '"
              + name
              + "' threw "
              + e.getClass().getSimpleName()
              + " ("
              + e.getMessage()
              + ") "
              + where,
          name,
          culprit,
          e);
    }
    if (s == null || s.length != completions.size()) {
      throw new RewardException(
          "reward '"
              + name
              + "' returned "
              + (s == null ? "null" : s.length + " scores")
              + " for "
              + completions.size()
              + " completions; return one score per completion",
          name,
          -1,
          null);
    }
    for (int i = 0; i < s.length; i++) {
      if (!Double.isFinite(s[i])) {
        throw new RewardException(
            "reward '"
                + name
                + "' returned "
                + s[i]
                + " on sample "
                + i
                + ": "
                + describe(prompts, completions, columns, i)
                + "; rewards must be finite numbers",
            name,
            i,
            null);
      }
    }
    return s.clone();
  }

  private static int findThrowingSample(
      RewardFunction fn,
      List<String> prompts,
      List<String> completions,
      List<Map<String, Object>> columns) {
    for (int i = 0; i < completions.size(); i++) {
      try {
        fn.score(List.of(prompts.get(i)), List.of(completions.get(i)), List.of(columns.get(i)));
      } catch (RuntimeException e) {
        return i;
      }
    }
    return -1;
  }

  static String describe(
      List<String> prompts, List<String> completions, List<Map<String, Object>> columns, int i) {
    return "prompt="
        + quote(prompts.get(i))
        + ", completion="
        + quote(completions.get(i))
        + ", columns="
        + abbreviate(String.valueOf(columns.get(i)));
  }

  private static String quote(String s) {
    return s == null ? "null" : "\"" + abbreviate(s.replace("\n", "\\n")) + "\"";
  }

  private static String abbreviate(String s) {
    return s.length() <= 160 ? s : s.substring(0, 80) + " ... " + s.substring(s.length() - 60);
  }

  private static List<String> namesOf(List<RewardFunction> fns) {
    List<String> out = new ArrayList<>();
    for (RewardFunction f : fns) {
      out.add(f.name());
    }
    return out;
  }
}
