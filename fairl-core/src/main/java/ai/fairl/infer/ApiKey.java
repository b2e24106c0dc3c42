package ai.fairl.infer;

import java.util.function.Function;

/**
 * An API key that never shows itself: {@link #toString} is masked, and no summary, log or error
 * message ever contains the value (FAI-RL wrote it into {@code _summary.json}, bug B9).
 */
public final class ApiKey {
  private static final String PLACEHOLDER = "<YOUR_API_KEY>";
  private final String value;
  private final String source;

  private ApiKey(String value, String source) {
    this.value = value;
    this.source = source;
  }

  /**
   * The key from the recipe value, or, when that is absent, from the provider's environment
   * variable ({@code OPENAI_API_KEY}, {@code ANTHROPIC_API_KEY}, {@code GEMINI_API_KEY} then {@code
   * GOOGLE_API_KEY}, {@code FAIRL_API_KEY}). A recipe value {@code ${NAME}} reads variable NAME.
   */
  public static ApiKey resolve(
      String recipeValue, ApiProvider provider, Function<String, String> env) {
    if (recipeValue != null && !recipeValue.isBlank()) {
      String v = recipeValue.strip();
      if (v.equals(PLACEHOLDER) || v.equals("YOUR_API_KEY")) {
        throw new IllegalArgumentException(
            "api_key is still the placeholder "
                + v
                + "; put your key in the recipe or, better, unset api_key and export "
                + provider.keyVariable());
      }
      if (v.startsWith("${") && v.endsWith("}")) {
        String name = v.substring(2, v.length() - 1);
        String fromEnv = env.apply(name);
        if (fromEnv == null || fromEnv.isBlank()) {
          throw new IllegalArgumentException(
              "api_key names the environment variable " + name + ", which is not set; export it");
        }
        return new ApiKey(fromEnv.strip(), "environment variable " + name);
      }
      return new ApiKey(v, "recipe key api_key");
    }
    String[] names =
        provider == ApiProvider.GOOGLE
            ? new String[] {"GEMINI_API_KEY", "GOOGLE_API_KEY"}
            : new String[] {provider.keyVariable()};
    for (String n : names) {
      String v = env.apply(n);
      if (v != null && !v.isBlank()) {
        return new ApiKey(v.strip(), "environment variable " + n);
      }
    }
    throw new IllegalArgumentException(
        "no API key for the "
            + provider.id()
            + " provider: set api_key in the recipe or export "
            + String.join(" or ", names));
  }

  /** A key given directly (tests, notebooks). */
  public static ApiKey of(String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("an API key must not be empty");
    }
    return new ApiKey(value.strip(), "given directly");
  }

  /** Where the key came from (a recipe key or a variable name), safe to print. */
  public String source() {
    return source;
  }

  String reveal() {
    return value;
  }

  /** Removes every occurrence of the key from a text (error messages echo requests at times). */
  String scrub(String text) {
    return text == null ? null : text.replace(value, "***");
  }

  @Override
  public String toString() {
    return "ApiKey[***, from " + source + "]";
  }
}
