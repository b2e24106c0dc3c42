package ai.fairl.reward;

import java.util.List;
import java.util.Map;

/**
 * The shipped reward functions, with FAI-RL's exact semantics ({@code trainers/rewards/}, snapshot
 * 5c4daf6), and the factories for custom ones.
 *
 * <table>
 *   <caption>Shipped rewards</caption>
 *   <tr><th>name</th><th>score per completion</th></tr>
 *   <tr><td>{@code exact_match}</td><td>2.0 if {@link #extractAnswer} equals the row's {@code
 *       answer} column exactly (case-sensitive), else 0.0</td></tr>
 *   <tr><td>{@code structured_xml}</td><td>+0.125 for each of {@code <think>}, {@code </think>},
 *       {@code <answer>}, {@code </answer>} that occurs exactly once; with one {@code </answer>},
 *       minus 0.001 per character after it. At most 0.5, can be negative</td></tr>
 *   <tr><td>{@code digit}</td><td>0.5 if the extracted answer is all digits (Python {@code
 *       isdigit}: no sign, point or comma), else 0.0</td></tr>
 * </table>
 *
 * <p>Departure (opt-in): {@link #exactMatch(boolean) exactMatch(true)} compares numbers after
 * normalising both sides ({@code 1,000} = {@code 1000}, {@code $18} = {@code 18}, {@code 18.0} =
 * {@code 18}). FAI-RL's fourth default, {@code custom_reward_func}, always scores 0 and is left
 * out.
 */
public final class Rewards {
  private Rewards() {}

  /** The dataset column the accuracy rewards compare with. */
  public static final String ANSWER_COLUMN = "answer";

  /** FAI-RL's {@code extract_answer}: the cleaned text inside the last answer tags. */
  public static String extractAnswer(String completion) {
    return FaiRlText.extractAnswer(completion);
  }

  /** FAI-RL's {@code exact_match_reward_func}: 2.0 on exact string equality with {@code answer}. */
  public static RewardFunction exactMatch() {
    return exactMatch(false);
  }

  /**
   * {@code exact_match}; with {@code normalizeNumbers} both the extracted answer and the ground
   * truth are normalised as numbers first (text that is not a number is compared as is).
   */
  public static RewardFunction exactMatch(boolean normalizeNumbers) {
    return named(
        "exact_match",
        (prompts, completions, columns) -> {
          double[] out = new double[completions.size()];
          for (int i = 0; i < out.length; i++) {
            Object truth = columns.get(i).get(ANSWER_COLUMN);
            if (truth == null) {
              throw new IllegalArgumentException(
                  "exact_match needs an 'answer' column, but this row has only "
                      + columns.get(i).keySet()
                      + "; set the dataset's answer_column (GSM8K: answer, OpenMathInstruct-2:"
                      + " expected_answer)");
            }
            String got = FaiRlText.extractAnswer(completions.get(i));
            String want = truth.toString();
            if (normalizeNumbers) {
              got = FaiRlText.normalizeNumber(got);
              want = FaiRlText.normalizeNumber(want);
            }
            out[i] = got.equals(want) ? 2.0 : 0.0;
          }
          return out;
        });
  }

  /** FAI-RL's {@code structured_xml_reward_func} ({@code count_xml}). */
  public static RewardFunction structuredXml() {
    return named(
        "structured_xml",
        (prompts, completions, columns) -> {
          double[] out = new double[completions.size()];
          for (int i = 0; i < out.length; i++) {
            out[i] = countXml(completions.get(i));
          }
          return out;
        });
  }

  static double countXml(String text) {
    double count = 0.0;
    if (FaiRlText.count(text, "<think>") == 1) {
      count += 0.125;
    }
    if (FaiRlText.count(text, "</think>") == 1) {
      count += 0.125;
    }
    if (FaiRlText.count(text, "<answer>") == 1) {
      count += 0.125;
    }
    if (FaiRlText.count(text, "</answer>") == 1) {
      count += 0.125;
      count -= FaiRlText.lengthAfterLast(text, "</answer>") * 0.001;
    }
    return count;
  }

  /** FAI-RL's {@code digit_reward_func}: 0.5 when the extracted answer is all digits. */
  public static RewardFunction digit() {
    return named(
        "digit",
        (prompts, completions, columns) -> {
          double[] out = new double[completions.size()];
          for (int i = 0; i < out.length; i++) {
            out[i] = FaiRlText.isPyDigit(FaiRlText.extractAnswer(completions.get(i))) ? 0.5 : 0.0;
          }
          return out;
        });
  }

  /** FAI-RL's GRPO set, used when a recipe names no reward: exact match, structured XML, digit. */
  public static List<RewardFunction> defaults() {
    return List.of(exactMatch(), structuredXml(), digit());
  }

  /**
   * A shipped reward by its recipe name: {@code exact_match}, {@code structured_xml}, {@code
   * digit}, or FAI-RL's function names ({@code exact_match_reward_func}, ...).
   *
   * @throws IllegalArgumentException naming the known rewards when {@code name} is not one
   */
  public static RewardFunction byName(String name, boolean normalizeNumbers) {
    String key = canonical(name);
    return switch (key == null ? "" : key) {
      case "exact_match" -> exactMatch(normalizeNumbers);
      case "structured_xml" -> structuredXml();
      case "digit" -> digit();
      default ->
          throw new IllegalArgumentException(
              "reward_functions: unknown reward '"
                  + name
                  + "'; shipped rewards are exact_match, structured_xml, digit. For your own,"
                  + " use local_reward_function: {function: com.acme.MyRewards} or reward_api");
    };
  }

  /** Whether {@code name} is a shipped reward (or FAI-RL's name or module path for one). */
  public static boolean isShipped(String name) {
    return canonical(name) != null;
  }

  private static String canonical(String name) {
    String key = name == null ? "" : name.trim();
    int colon = key.lastIndexOf(':');
    if (colon >= 0 && key.startsWith("trainers.rewards.")) {
      key = key.substring(colon + 1); // FAI-RL's module:function form
    }
    return switch (key.toLowerCase(java.util.Locale.ROOT)) {
      case "exact_match", "exact_match_reward_func" -> "exact_match";
      case "structured_xml", "structured_xml_reward_func" -> "structured_xml";
      case "digit", "digit_reward_func" -> "digit";
      default -> null;
    };
  }

  /** Gives a function (e.g. a lambda from a notebook cell) the name its metrics use. */
  public static RewardFunction named(String name, RewardFunction fn) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("reward name must not be blank");
    }
    return new Named(name, fn);
  }

  /** An HTTP reward endpoint speaking FAI-RL's {@code reward_api} JSON protocol. */
  public static RewardFunction http(RewardApiConfig config) {
    return new HttpReward(config);
  }

  /**
   * A user class from the classpath: {@code com.acme.MyRewards} (implements {@link RewardFunction})
   * or {@code com.acme.MyRewards::score} (a method taking prompts, completions, columns and
   * optionally the kwargs map).
   */
  public static RewardFunction local(LocalRewardConfig config, ClassLoader loader) {
    if (isShipped(config.function())) {
      return byName(config.function(), false);
    }
    return LocalRewards.load(config, loader);
  }

  private record Named(String name, RewardFunction fn) implements RewardFunction {
    @Override
    public double[] score(
        List<String> prompts, List<String> completions, List<Map<String, Object>> columns) {
      return fn.score(prompts, completions, columns);
    }

    @Override
    public String toString() {
      return name;
    }
  }
}
