/*
 * Smoke test of real API keys (`fairl api-check`): for each provider whose key is in the
 * environment, one tiny greedy request ("Reply with the word OK.", at most 16 tokens, no retries,
 * a 30 s timeout), and one line back: provider, model, endpoint host, OK with the latency and the
 * start of the reply, or the provider's error (keys scrubbed, as everywhere in ai.fairl.infer).
 * Simplified: it checks that a key is accepted for one model, not quotas or every model.
 */
package ai.fairl.infer;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/** One request per provider whose key is present. */
public final class ApiCheck {
  /** Default model per provider (small and cheap; override per provider). */
  public static final Map<ApiProvider, String> DEFAULT_MODELS =
      Map.of(
          ApiProvider.OPENAI, "gpt-4o-mini",
          ApiProvider.GOOGLE, "gemini-2.5-flash",
          ApiProvider.ANTHROPIC, "claude-haiku-4-5");

  private static final String PROMPT = "Reply with the word OK.";

  private ApiCheck() {}

  /**
   * Where to send the checks: per provider an endpoint and a model (null: the provider's public
   * endpoint and {@link #DEFAULT_MODELS}); {@code hostedEndpoint} (null: none) with {@code
   * hostedModel} adds an OpenAI-compatible endpoint, checked with {@code FAIRL_API_KEY}.
   */
  public record Options(
      Map<ApiProvider, String> endpoints,
      Map<ApiProvider, String> models,
      String hostedEndpoint,
      String hostedModel,
      Duration timeout) {
    public Options {
      endpoints = Map.copyOf(endpoints);
      models = Map.copyOf(models);
      if (hostedEndpoint != null && (hostedModel == null || hostedModel.isBlank())) {
        throw new IllegalArgumentException(
            "--hosted-endpoint needs --hosted-model, the model name that endpoint serves");
      }
      timeout = timeout == null ? Duration.ofSeconds(30) : timeout;
    }
  }

  /** One provider's outcome; {@code detail} is the reply's start or the error, never the key. */
  public record Result(
      ApiProvider provider, String model, String host, boolean ok, double seconds, String detail) {
    /** One aligned line: provider, model, host, OK or FAILED, detail. */
    public String line() {
      return String.format(
          java.util.Locale.ROOT,
          "%-9s %-28s %-34s %s",
          provider.id(),
          model,
          host,
          ok
              ? String.format(java.util.Locale.ROOT, "OK (%.1f s): %s", seconds, detail)
              : "FAILED: " + detail);
    }
  }

  /** The variables looked at, per provider, in order (for the "no key" message). */
  public static List<String> keyVariables() {
    return List.of("OPENAI_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "ANTHROPIC_API_KEY");
  }

  /** The providers whose keys {@code env} holds (hosted only when an endpoint is given). */
  public static List<ApiProvider> present(Options o, Function<String, String> env) {
    List<ApiProvider> out = new ArrayList<>();
    for (ApiProvider p : List.of(ApiProvider.OPENAI, ApiProvider.GOOGLE, ApiProvider.ANTHROPIC)) {
      if (hasKey(p, env)) {
        out.add(p);
      }
    }
    if (o.hostedEndpoint() != null) {
      out.add(ApiProvider.HOSTED);
    }
    return out;
  }

  private static boolean hasKey(ApiProvider p, Function<String, String> env) {
    try {
      ApiKey.resolve(null, p, env);
      return true;
    } catch (IllegalArgumentException none) {
      return false;
    }
  }

  /** Sends one request to {@code provider}; never throws for the provider's refusals. */
  public static Result check(ApiProvider provider, Options o, Function<String, String> env) {
    String model =
        provider == ApiProvider.HOSTED
            ? o.hostedModel()
            : o.models().getOrDefault(provider, DEFAULT_MODELS.get(provider));
    String endpoint =
        provider == ApiProvider.HOSTED ? o.hostedEndpoint() : o.endpoints().get(provider);
    String host = "?";
    try {
      ApiKey key = ApiKey.resolve(null, provider, env);
      ApiSettings s =
          ApiSettings.of(endpoint, model, provider, key)
              .withConcurrency(1)
              .withRetries(0, null, null)
              .withTimeout(o.timeout());
      host = host(s.endpoint());
      long t0 = System.nanoTime();
      List<Completion> c;
      try (ApiGenerator g = new ApiGenerator(s, notice -> {})) {
        c = g.generate(List.of(Prompt.of(PROMPT)), GenerationParams.greedy(16));
      }
      double secs = (System.nanoTime() - t0) / 1e9;
      Completion done = c.get(0);
      return done.succeeded()
          ? new Result(provider, model, host, true, secs, quote(done.text()))
          : new Result(provider, model, host, false, secs, done.error());
    } catch (ApiException | IllegalArgumentException e) {
      return new Result(provider, model, host, false, 0, e.getMessage());
    }
  }

  private static String host(String endpoint) {
    try {
      URI u = URI.create(endpoint);
      return u.getPort() < 0 ? u.getHost() : u.getHost() + ":" + u.getPort();
    } catch (IllegalArgumentException e) {
      return endpoint;
    }
  }

  private static String quote(String reply) {
    String one = reply.strip().replaceAll("\\s+", " ");
    return "\"" + (one.length() > 40 ? one.substring(0, 40) + "..." : one) + "\"";
  }
}
