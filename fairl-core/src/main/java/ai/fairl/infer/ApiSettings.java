package ai.fairl.infer;

import java.time.Duration;

/**
 * How to reach one API model: endpoint, model name, provider, key, and the client's manners
 * (concurrent requests, retries with exponential backoff from {@code initialBackoff} up to {@code
 * maxBackoff}, honouring Retry-After, and a per-request timeout). {@code hook} may be null.
 */
public record ApiSettings(
    String endpoint,
    String model,
    ApiProvider provider,
    ApiKey key,
    int concurrency,
    int maxRetries,
    Duration initialBackoff,
    Duration maxBackoff,
    Duration requestTimeout,
    HostedLlmHook hook) {
  public ApiSettings {
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException("model must name the API model, e.g. gpt-4o-mini");
    }
    if (provider == null) {
      provider = ApiProvider.detect(endpoint);
    }
    if (endpoint == null || endpoint.isBlank()) {
      endpoint = defaultEndpoint(provider, model);
    }
    if (endpoint.contains("<YOUR_API_ENDPOINT>")) {
      throw new IllegalArgumentException(
          "api_endpoint is still the placeholder <YOUR_API_ENDPOINT>; set the URL of your API");
    }
    if (key == null) {
      throw new IllegalArgumentException("an API key is required (see ApiKey.resolve)");
    }
    if (concurrency < 1 || concurrency > 256) {
      throw new IllegalArgumentException("api_concurrency must be in [1, 256], got " + concurrency);
    }
    if (maxRetries < 0) {
      throw new IllegalArgumentException("api_max_retries must be >= 0, got " + maxRetries);
    }
    initialBackoff = initialBackoff == null ? Duration.ofSeconds(1) : initialBackoff;
    maxBackoff = maxBackoff == null ? Duration.ofSeconds(60) : maxBackoff;
    requestTimeout = requestTimeout == null ? Duration.ofSeconds(120) : requestTimeout;
  }

  /** Defaults: 8 concurrent requests, 5 retries, 1 s to 60 s backoff, 120 s timeout. */
  public static ApiSettings of(String endpoint, String model, ApiProvider provider, ApiKey key) {
    return new ApiSettings(endpoint, model, provider, key, 8, 5, null, null, null, null);
  }

  public ApiSettings withConcurrency(int n) {
    return new ApiSettings(
        endpoint,
        model,
        provider,
        key,
        n,
        maxRetries,
        initialBackoff,
        maxBackoff,
        requestTimeout,
        hook);
  }

  public ApiSettings withRetries(int retries, Duration initial, Duration max) {
    return new ApiSettings(
        endpoint, model, provider, key, concurrency, retries, initial, max, requestTimeout, hook);
  }

  public ApiSettings withTimeout(Duration timeout) {
    return new ApiSettings(
        endpoint,
        model,
        provider,
        key,
        concurrency,
        maxRetries,
        initialBackoff,
        maxBackoff,
        timeout,
        hook);
  }

  public ApiSettings withHook(HostedLlmHook h) {
    return new ApiSettings(
        endpoint,
        model,
        provider,
        key,
        concurrency,
        maxRetries,
        initialBackoff,
        maxBackoff,
        requestTimeout,
        h);
  }

  private static String defaultEndpoint(ApiProvider p, String model) {
    return switch (p) {
      case OPENAI -> "https://api.openai.com/v1/chat/completions";
      case ANTHROPIC -> "https://api.anthropic.com/v1/messages";
      case GOOGLE ->
          "https://generativelanguage.googleapis.com/v1beta/models/" + model + ":generateContent";
      case HOSTED ->
          throw new IllegalArgumentException(
              "api_endpoint is required for a hosted model (no provider could be inferred); set"
                  + " api_endpoint or api_provider");
    };
  }

  @Override
  public String toString() {
    return "ApiSettings[" + provider.id() + " " + model + " at " + endpoint + ", key " + key + "]";
  }
}
