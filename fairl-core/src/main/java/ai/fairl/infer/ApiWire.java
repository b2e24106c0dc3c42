/*
 * The wire formats of the providers, as documented:
 *  OpenAI Chat Completions  https://platform.openai.com/docs/api-reference/chat/create
 *    reasoning models (o-series, gpt-5*) take max_completion_tokens and reject non-default
 *    temperature/top_p: https://platform.openai.com/docs/guides/reasoning
 *  Anthropic Messages       https://docs.anthropic.com/en/api/messages (anthropic-version 2023-06-01;
 *    errors https://docs.anthropic.com/en/api/errors); recent models accept only one of
 *    temperature and top_p, so we never send both.
 *  Gemini generateContent   https://ai.google.dev/api/generate-content (key in x-goog-api-key,
 *    never in the URL where proxies log it, unlike FAI-RL's ?key=).
 * FAI-RL parsed OpenAI replies as Anthropic's content[0].text (bug B5): each provider here reads
 * its own documented shape.
 */
package ai.fairl.infer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/** Builds provider requests and reads provider responses. */
final class ApiWire {
  private static final Pattern REASONING = Pattern.compile("^(o\\d.*|gpt-5.*)$");

  private ApiWire() {}

  /** The parts of one HTTP request. */
  record Request(String url, Map<String, String> headers, JsonObject body) {}

  /** True for OpenAI reasoning models (o1, o3, o4-mini, gpt-5, ...), with or without "openai/". */
  static boolean openAiReasoning(String model) {
    String m = model.toLowerCase(Locale.ROOT);
    int slash = m.lastIndexOf('/');
    return REASONING.matcher(slash >= 0 ? m.substring(slash + 1) : m).matches();
  }

  static Request build(ApiSettings s, Prompt p, GenerationParams g, Consumer<String> notice) {
    String key = s.key().reveal();
    HostedLlmHook hook = s.hook();
    String url = s.endpoint();
    if (hook != null && s.provider() != ApiProvider.GOOGLE) {
      String u = hook.url(url, key);
      url = u == null ? url : u;
    }
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    JsonObject body;
    switch (s.provider()) {
      case GOOGLE -> {
        headers.put("x-goog-api-key", key);
        body = gemini(p, g);
      }
      case ANTHROPIC -> {
        headers.put("x-api-key", key);
        headers.put("anthropic-version", "2023-06-01");
        body = anthropic(s.model(), p, g, notice);
      }
      case OPENAI -> {
        headers.put("Authorization", "Bearer " + key);
        body = openAi(s.model(), p, g, notice);
      }
      default -> {
        Map<String, String> h = hook == null ? null : hook.headers(key);
        if (h == null) {
          headers.put("Authorization", "Bearer " + key);
        } else {
          headers.putAll(h);
        }
        JsonObject b = hook == null ? null : hook.buildRequest(p, g, s.model());
        body = b != null ? b : openAi(s.model(), p, g, notice);
      }
    }
    return new Request(url, headers, body);
  }

  static JsonObject openAi(String model, Prompt p, GenerationParams g, Consumer<String> notice) {
    JsonObject b = new JsonObject();
    b.addProperty("model", model);
    JsonArray messages = new JsonArray();
    if (p.system() != null) {
      messages.add(message("system", p.system()));
    }
    messages.add(message("user", p.user()));
    b.add("messages", messages);
    if (openAiReasoning(model)) {
      b.addProperty("max_completion_tokens", g.maxNewTokens());
      notice.accept(
          model
              + " is an OpenAI reasoning model: max_new_tokens is sent as max_completion_tokens"
              + " (it includes reasoning tokens) and temperature/top_p are not sent (the model"
              + " accepts only the defaults)");
    } else {
      b.addProperty("max_tokens", g.maxNewTokens());
      if (g.sampling()) {
        b.addProperty("temperature", g.temperature());
        b.addProperty("top_p", g.topP());
      } else {
        b.addProperty("temperature", 0.0);
      }
    }
    return b;
  }

  static JsonObject anthropic(String model, Prompt p, GenerationParams g, Consumer<String> notice) {
    JsonObject b = new JsonObject();
    b.addProperty("model", model);
    b.addProperty("max_tokens", g.maxNewTokens());
    if (p.system() != null) {
      b.addProperty("system", p.system());
    }
    JsonArray messages = new JsonArray();
    messages.add(message("user", p.user()));
    b.add("messages", messages);
    if (g.sampling()) {
      double t = g.temperature();
      if (t > 1.0) {
        notice.accept("Anthropic accepts temperature in [0, 1]: " + t + " is sent as 1.0");
        t = 1.0;
      }
      b.addProperty("temperature", t);
      if (g.topP() < 1.0) {
        notice.accept(
            "top_p "
                + g.topP()
                + " is not sent to Anthropic: recent Claude models reject temperature and top_p"
                + " together, and temperature is kept");
      }
    } else {
      b.addProperty("temperature", 0.0);
    }
    return b;
  }

  static JsonObject gemini(Prompt p, GenerationParams g) {
    JsonObject b = new JsonObject();
    JsonArray contents = new JsonArray();
    JsonObject user = new JsonObject();
    user.addProperty("role", "user");
    user.add("parts", parts(p.user()));
    contents.add(user);
    b.add("contents", contents);
    if (p.system() != null) {
      JsonObject sys = new JsonObject();
      sys.add("parts", parts(p.system()));
      b.add("systemInstruction", sys);
    }
    JsonObject cfg = new JsonObject();
    cfg.addProperty("maxOutputTokens", g.maxNewTokens());
    if (g.sampling()) {
      cfg.addProperty("temperature", g.temperature());
      cfg.addProperty("topP", g.topP());
    } else {
      cfg.addProperty("temperature", 0.0);
    }
    b.add("generationConfig", cfg);
    return b;
  }

  private static JsonArray parts(String text) {
    JsonArray parts = new JsonArray();
    JsonObject t = new JsonObject();
    t.addProperty("text", text);
    parts.add(t);
    return parts;
  }

  private static JsonObject message(String role, String content) {
    JsonObject m = new JsonObject();
    m.addProperty("role", role);
    m.addProperty("content", content);
    return m;
  }

  /**
   * The completion in a 200 response; throws {@link IllegalStateException} when the body is not the
   * provider's documented shape.
   */
  static Completion parse(ApiSettings s, String body) {
    JsonObject r;
    try {
      JsonElement e = JsonParser.parseString(body);
      if (!e.isJsonObject()) {
        throw new IllegalStateException("the response is not a JSON object: " + head(body));
      }
      r = e.getAsJsonObject();
    } catch (com.google.gson.JsonParseException e) {
      throw new IllegalStateException("malformed JSON in the response: " + head(body));
    }
    try {
      return switch (s.provider()) {
        case GOOGLE -> parseGemini(r);
        case ANTHROPIC -> parseAnthropic(r);
        case OPENAI -> parseOpenAi(r);
        case HOSTED -> {
          String text = s.hook() == null ? null : s.hook().parseResponse(r);
          yield text != null ? Completion.ok(text, -1, -1) : parseOpenAi(r);
        }
      };
    } catch (RuntimeException e) {
      if (e instanceof RefusedException) {
        throw e;
      }
      throw new IllegalStateException(
          "the response is not a " + s.provider().id() + " reply (" + e + "): " + head(body));
    }
  }

  /** A well-formed answer that carries no text: a refusal, a blocked prompt, a filter. */
  static final class RefusedException extends RuntimeException {
    RefusedException(String m) {
      super(m);
    }
  }

  private static Completion parseOpenAi(JsonObject r) {
    JsonObject choice = r.getAsJsonArray("choices").get(0).getAsJsonObject();
    JsonObject msg = choice.getAsJsonObject("message");
    JsonElement content = msg.get("content");
    if (content == null || content.isJsonNull()) {
      JsonElement refusal = msg.get("refusal");
      throw new RefusedException(
          "no content (finish_reason "
              + choice.get("finish_reason")
              + (refusal != null && !refusal.isJsonNull() ? ", refusal: " + refusal : "")
              + ")");
    }
    JsonObject usage = r.getAsJsonObject("usage");
    return Completion.ok(
        content.getAsString(), intOr(usage, "prompt_tokens"), intOr(usage, "completion_tokens"));
  }

  private static Completion parseAnthropic(JsonObject r) {
    StringBuilder text = new StringBuilder();
    for (JsonElement block : r.getAsJsonArray("content")) {
      JsonObject b = block.getAsJsonObject();
      if ("text".equals(b.get("type").getAsString())) {
        text.append(b.get("text").getAsString());
      }
    }
    JsonObject usage = r.getAsJsonObject("usage");
    return Completion.ok(
        text.toString(), intOr(usage, "input_tokens"), intOr(usage, "output_tokens"));
  }

  private static Completion parseGemini(JsonObject r) {
    JsonArray candidates = r.getAsJsonArray("candidates");
    if (candidates == null || candidates.isEmpty()) {
      throw new RefusedException("no candidates (promptFeedback " + r.get("promptFeedback") + ")");
    }
    JsonObject c = candidates.get(0).getAsJsonObject();
    JsonObject content = c.getAsJsonObject("content");
    if (content == null || !content.has("parts")) {
      throw new RefusedException("no content (finishReason " + c.get("finishReason") + ")");
    }
    StringBuilder text = new StringBuilder();
    for (JsonElement part : content.getAsJsonArray("parts")) {
      JsonObject po = part.getAsJsonObject();
      if (po.has("text") && !(po.has("thought") && po.get("thought").getAsBoolean())) {
        text.append(po.get("text").getAsString());
      }
    }
    JsonObject usage = r.getAsJsonObject("usageMetadata");
    return Completion.ok(
        text.toString(), intOr(usage, "promptTokenCount"), intOr(usage, "candidatesTokenCount"));
  }

  private static int intOr(JsonObject o, String k) {
    return o != null && o.has(k) && o.get(k).isJsonPrimitive() ? o.get(k).getAsInt() : -1;
  }

  /** The provider's own message in an error body, or the start of the body. */
  static String errorMessage(String body) {
    try {
      JsonObject r = JsonParser.parseString(body).getAsJsonObject();
      JsonElement err = r.get("error");
      if (err != null && err.isJsonObject()) {
        JsonObject e = err.getAsJsonObject();
        String type =
            e.has("type")
                ? e.get("type").getAsString()
                : e.has("status") ? e.get("status").getAsString() : null;
        String msg = e.has("message") ? e.get("message").getAsString() : e.toString();
        return type == null ? msg : type + ": " + msg;
      }
      if (err != null && err.isJsonPrimitive()) {
        return err.getAsString();
      }
    } catch (RuntimeException notJson) {
      // fall through to the raw text
    }
    return head(body);
  }

  static String head(String body) {
    if (body == null) {
      return "";
    }
    String b = body.strip();
    return b.length() > 300 ? b.substring(0, 300) + "..." : b;
  }
}
