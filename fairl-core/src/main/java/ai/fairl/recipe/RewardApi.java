package ai.fairl.recipe;

import java.util.Map;

/**
 * The top-level {@code reward_api:} section (FAI-RL PR #103): rewards scored by an HTTP service.
 * The trainer POSTs {@code {**extra_body, "prompts": [...], "completions": [...], "context":
 * {columns}}} and reads a list of finite numbers from {@code response_field}.
 */
public record RewardApi(
    @Key(required = true, doc = "The URL that scores completions.") String endpoint,
    @Key(secret = true, doc = "Sent as `<auth_header>: <auth_scheme> <api_key>`; shown as ***.")
        String apiKey,
    @Key(def = "Authorization", doc = "Header that carries the key.") String authHeader,
    @Key(def = "Bearer", doc = "Scheme before the key (empty: the bare key).") String authScheme,
    @Key(def = "{}", doc = "Extra request headers (secret-looking values are shown as ***).")
        Map<String, Object> headers,
    @Key(def = "{}", doc = "Fields merged into every request body.") Map<String, Object> extraBody,
    @Key(def = "rewards", doc = "The response field holding the list of scores.")
        String responseField,
    @Key(def = "30", origin = Origin.OURS, allowed = "> 0", doc = "Request timeout in seconds.")
        double timeoutSeconds,
    @Key(def = "2", origin = Origin.OURS, allowed = ">= 0", doc = "Retries after a failure.")
        int maxRetries,
    @Key(
            def = "1.0",
            origin = Origin.OURS,
            allowed = ">= 0",
            doc = "Back-off before retry n is this x 2^n seconds.")
        double retryBackoffSeconds,
    @Key(def = "true", doc = "Verify the server's TLS certificate.") boolean verifySsl) {

  public RewardApi {
    Check.nonBlank("reward_api.endpoint", endpoint);
    Check.require(
        endpoint.startsWith("http://") || endpoint.startsWith("https://"),
        "reward_api.endpoint",
        "reward_api.endpoint must be an http:// or https:// URL, got '" + endpoint + "'",
        "set reward_api.endpoint: https://your-reward-service/score");
    headers = headers == null ? Map.of() : Map.copyOf(headers);
    extraBody = extraBody == null ? Map.of() : Map.copyOf(extraBody);
    Check.positive("reward_api.timeout_seconds", timeoutSeconds);
    Check.atLeast("reward_api.max_retries", maxRetries, 0);
    Check.nonNegative("reward_api.retry_backoff_seconds", retryBackoffSeconds);
  }
}
