package ai.fairl.reward;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * FAI-RL's {@code reward_api:} block (post-snapshot PR #103): an HTTP endpoint that scores
 * completions. Defaults: {@code auth_header: Authorization}, {@code auth_scheme: Bearer}, {@code
 * response_field: rewards} (FAI-RL); {@code timeout_seconds: 30}, {@code max_retries: 2}, {@code
 * retry_backoff_seconds: 1.0}, {@code verify_ssl: true} (ours). The key never appears in {@link
 * #toString()}.
 */
public record RewardApiConfig(
    URI endpoint,
    String apiKey,
    String authHeader,
    String authScheme,
    Map<String, String> headers,
    Map<String, Object> extraBody,
    String responseField,
    double timeoutSeconds,
    int maxRetries,
    double retryBackoffSeconds,
    boolean verifySsl) {

  private static final Set<String> KEYS =
      Set.of(
          "endpoint",
          "api_key",
          "auth_header",
          "auth_scheme",
          "headers",
          "extra_body",
          "response_field",
          "timeout_seconds",
          "max_retries",
          "retry_backoff_seconds",
          "verify_ssl");

  public RewardApiConfig {
    if (endpoint == null) {
      throw new IllegalArgumentException(
          "reward_api.endpoint is required, e.g. endpoint: https://rewards.example.com/score");
    }
    String scheme = endpoint.getScheme();
    if (scheme == null || !(scheme.equals("http") || scheme.equals("https"))) {
      throw new IllegalArgumentException(
          "reward_api.endpoint must be an http:// or https:// URL, got '" + endpoint + "'");
    }
    authHeader = authHeader == null ? "Authorization" : authHeader;
    authScheme = authScheme == null ? "Bearer" : authScheme;
    headers = headers == null ? Map.of() : Map.copyOf(headers);
    extraBody =
        extraBody == null
            ? Map.of()
            : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(extraBody));
    responseField = responseField == null ? "rewards" : responseField;
    if (!(timeoutSeconds > 0)) {
      throw new IllegalArgumentException(
          "reward_api.timeout_seconds must be > 0, got " + timeoutSeconds);
    }
    if (maxRetries < 0) {
      throw new IllegalArgumentException("reward_api.max_retries must be >= 0, got " + maxRetries);
    }
    if (!(retryBackoffSeconds >= 0)) {
      throw new IllegalArgumentException(
          "reward_api.retry_backoff_seconds must be >= 0, got " + retryBackoffSeconds);
    }
    for (String reserved : new String[] {"prompts", "completions", "context"}) {
      if (extraBody.containsKey(reserved)) {
        throw new IllegalArgumentException(
            "reward_api.extra_body must not set '"
                + reserved
                + "': the request fills it with the batch; remove it from extra_body");
      }
    }
  }

  /** A config with every optional key at its default. */
  public static RewardApiConfig of(String endpoint) {
    return fromMap(Map.of("endpoint", endpoint));
  }

  /** Builds the config from the recipe's {@code reward_api} mapping, with errors naming the key. */
  public static RewardApiConfig fromMap(Map<String, ?> m) {
    for (String k : m.keySet()) {
      if (!KEYS.contains(k)) {
        throw new IllegalArgumentException(
            "reward_api."
                + k
                + " is not a known key; known keys: "
                + new java.util.TreeSet<>(KEYS));
      }
    }
    Object endpoint = m.get("endpoint");
    URI uri;
    try {
      uri = endpoint == null ? null : URI.create(endpoint.toString().trim());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "reward_api.endpoint is not a valid URL: '" + endpoint + "' (" + e.getMessage() + ")");
    }
    return new RewardApiConfig(
        uri,
        str(m, "api_key"),
        str(m, "auth_header"),
        str(m, "auth_scheme"),
        stringMap(m, "headers"),
        objectMap(m, "extra_body"),
        str(m, "response_field"),
        num(m, "timeout_seconds", 30.0),
        (int) num(m, "max_retries", 2),
        num(m, "retry_backoff_seconds", 1.0),
        bool(m, "verify_ssl", true));
  }

  private static String str(Map<String, ?> m, String k) {
    Object v = m.get(k);
    return v == null ? null : v.toString();
  }

  private static double num(Map<String, ?> m, String k, double dflt) {
    Object v = m.get(k);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    try {
      return Double.parseDouble(v.toString().trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("reward_api." + k + " must be a number, got '" + v + "'");
    }
  }

  private static boolean bool(Map<String, ?> m, String k, boolean dflt) {
    Object v = m.get(k);
    if (v == null) {
      return dflt;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    String s = v.toString().trim().toLowerCase(java.util.Locale.ROOT);
    return switch (s) {
      case "true" -> true;
      case "false" -> false;
      default ->
          throw new IllegalArgumentException(
              "reward_api." + k + " must be true or false, got '" + v + "'");
    };
  }

  private static Map<String, String> stringMap(Map<String, ?> m, String k) {
    Object v = m.get(k);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Map<?, ?> raw)) {
      throw new IllegalArgumentException(
          "reward_api." + k + " must be a mapping of names to values, got '" + v + "'");
    }
    Map<String, String> out = new LinkedHashMap<>();
    raw.forEach((a, b) -> out.put(String.valueOf(a), String.valueOf(b)));
    return out;
  }

  private static Map<String, Object> objectMap(Map<String, ?> m, String k) {
    Object v = m.get(k);
    if (v == null) {
      return null;
    }
    if (!(v instanceof Map<?, ?> raw)) {
      throw new IllegalArgumentException("reward_api." + k + " must be a mapping, got '" + v + "'");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    raw.forEach((a, b) -> out.put(String.valueOf(a), b));
    return out;
  }

  @Override
  public String toString() {
    return "RewardApiConfig[endpoint="
        + endpoint
        + ", api_key="
        + (apiKey == null || apiKey.isEmpty() ? "(none)" : "***")
        + ", auth_header="
        + authHeader
        + ", response_field="
        + responseField
        + ", timeout_seconds="
        + timeoutSeconds
        + ", max_retries="
        + maxRetries
        + ", retry_backoff_seconds="
        + retryBackoffSeconds
        + ", verify_ssl="
        + verifySsl
        + "]";
  }
}
