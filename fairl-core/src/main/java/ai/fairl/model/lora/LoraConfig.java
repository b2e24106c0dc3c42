package ai.fairl.model.lora;

import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * LoRA settings with FAI-RL's keys ({@code lora_r}, {@code lora_alpha}, {@code lora_dropout},
 * {@code lora_target_modules}, {@code lora_exclude_modules}, {@code lora_bias}) and PEFT's matching
 * rules: a target or exclude <em>list</em> matches a module whose name equals an entry or ends with
 * {@code "." + entry}; an exclude <em>string</em> is a regex that must match the whole name.
 *
 * @param r rank, >= 1
 * @param alpha scaling numerator; the update is scaled by {@code alpha / r}
 * @param dropout dropout on the LoRA branch's input, in [0, 1)
 * @param targetModules module-name suffixes to adapt; null means PEFT's llama default {@code
 *     [q_proj, v_proj]}
 * @param excludeModules suffix list, or null
 * @param excludeRegex full-match regex, or null (set at most one of the two excludes)
 * @param bias which biases train: none, all (every bias in the model) or lora_only (biases of
 *     adapted modules)
 */
public record LoraConfig(
    int r,
    double alpha,
    double dropout,
    List<String> targetModules,
    List<String> excludeModules,
    String excludeRegex,
    Bias bias) {

  /** PEFT's {@code bias} setting. */
  public enum Bias {
    NONE,
    ALL,
    LORA_ONLY;

    public static Bias parse(String s) {
      if (s == null) {
        return NONE;
      }
      switch (s.toLowerCase(Locale.ROOT)) {
        case "none":
          return NONE;
        case "all":
          return ALL;
        case "lora_only":
          return LORA_ONLY;
        default:
          throw new IllegalArgumentException(
              "model.lora_bias must be none, all or lora_only, got '" + s + "'");
      }
    }

    public String peftName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  public LoraConfig {
    if (r < 1) {
      throw new IllegalArgumentException("model.lora_r must be >= 1, got " + r);
    }
    if (!(alpha > 0)) {
      throw new IllegalArgumentException("model.lora_alpha must be > 0, got " + alpha);
    }
    if (dropout < 0 || dropout >= 1) {
      throw new IllegalArgumentException("model.lora_dropout must be in [0, 1), got " + dropout);
    }
    targetModules =
        targetModules == null ? List.of("q_proj", "v_proj") : List.copyOf(targetModules);
    if (targetModules.isEmpty()) {
      throw new IllegalArgumentException(
          "model.lora_target_modules is empty; list module names such as [q_proj, v_proj]");
    }
    excludeModules = excludeModules == null ? null : List.copyOf(excludeModules);
    if (excludeModules != null && excludeRegex != null) {
      throw new IllegalArgumentException(
          "model.lora_exclude_modules is either a list (suffixes) or a string (regex), not both");
    }
    if (excludeRegex != null) {
      Pattern.compile(excludeRegex);
    }
    bias = bias == null ? Bias.NONE : bias;
  }

  /** FAI-RL's defaults: r 8, alpha 16, dropout 0.05, PEFT's default targets, no bias. */
  public static LoraConfig defaults() {
    return new LoraConfig(8, 16, 0.05, null, null, null, Bias.NONE);
  }

  /** {@code alpha / r}. */
  public double scaling() {
    return alpha / r;
  }

  /** Whether PEFT would put an adapter on the module {@code name}. */
  public boolean adapts(String name) {
    if (excluded(name)) {
      return false;
    }
    return targetModules.stream().anyMatch(t -> suffixMatch(name, t));
  }

  private boolean excluded(String name) {
    if (excludeRegex != null) {
      return Pattern.matches(excludeRegex, name);
    }
    return excludeModules != null && excludeModules.stream().anyMatch(t -> suffixMatch(name, t));
  }

  private static boolean suffixMatch(String name, String key) {
    return name.equals(key) || name.endsWith("." + key);
  }
}
