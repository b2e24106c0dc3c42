package ai.fairl.infer;

import java.net.URI;
import java.util.Locale;

/**
 * The hosted APIs FAI-RL talks to. {@link #detect} follows FAI-RL's {@code _get_model_provider}:
 * the endpoint's host decides, falling back to the whole URL, checked in the order Google, OpenAI,
 * Anthropic; anything else is a hosted endpoint (OpenAI-compatible unless a {@link HostedLlmHook}
 * says otherwise).
 */
public enum ApiProvider {
  /** Chat Completions, https://platform.openai.com/docs/api-reference/chat/create */
  OPENAI("openai", "api.openai.com", "OPENAI_API_KEY"),
  /** generateContent, https://ai.google.dev/api/generate-content */
  GOOGLE("google", "generativelanguage.googleapis.com", "GEMINI_API_KEY"),
  /** Messages, https://docs.anthropic.com/en/api/messages */
  ANTHROPIC("anthropic", "api.anthropic.com", "ANTHROPIC_API_KEY"),
  /** Any other endpoint: OpenAI-compatible by default, or shaped by a {@link HostedLlmHook}. */
  HOSTED("hosted", null, "FAIRL_API_KEY");

  private final String id;
  private final String host;
  private final String keyVariable;

  ApiProvider(String id, String host, String keyVariable) {
    this.id = id;
    this.host = host;
    this.keyVariable = keyVariable;
  }

  /** The recipe spelling: openai, google, anthropic, hosted. */
  public String id() {
    return id;
  }

  /** The environment variable read when the recipe gives no key. */
  public String keyVariable() {
    return keyVariable;
  }

  /** The provider an endpoint URL belongs to. */
  public static ApiProvider detect(String endpoint) {
    if (endpoint == null || endpoint.isBlank()) {
      return HOSTED;
    }
    String h;
    try {
      h = URI.create(endpoint.strip()).getHost();
    } catch (IllegalArgumentException e) {
      h = null;
    }
    h = (h == null ? endpoint : h).toLowerCase(Locale.ROOT);
    if (matches(h, GOOGLE.host) || h.contains("gemini")) {
      return GOOGLE;
    }
    if (matches(h, OPENAI.host) || h.contains("openai")) {
      return OPENAI;
    }
    if (matches(h, ANTHROPIC.host) || h.contains("anthropic")) {
      return ANTHROPIC;
    }
    return HOSTED;
  }

  private static boolean matches(String h, String host) {
    return h.equals(host) || h.endsWith("." + host);
  }

  /** The provider named in a recipe ({@code api_provider}); "gemini" is an alias of google. */
  public static ApiProvider named(String name) {
    String n = name.strip().toLowerCase(Locale.ROOT);
    if (n.equals("gemini")) {
      return GOOGLE;
    }
    if (n.equals("default") || n.equals("openai_compatible")) {
      return HOSTED;
    }
    for (ApiProvider p : values()) {
      if (p.id.equals(n)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "api_provider must be one of openai, google (gemini), anthropic, hosted; got \""
            + name
            + "\"");
  }
}
