/*
 * Local stand-ins for the providers' HTTP APIs (com.sun.net.httpserver on 127.0.0.1), as strict
 * as the documented ones about what they check:
 *  OpenAI  https://platform.openai.com/docs/api-reference/chat/create and /docs/guides/error-codes
 *          (error body {"error":{"message","type","param","code"}}); reasoning models
 *          (https://platform.openai.com/docs/guides/reasoning) reject max_tokens and non-default
 *          temperature/top_p with 400 unsupported_parameter / unsupported_value.
 *  Anthropic https://docs.anthropic.com/en/api/messages, /en/api/errors
 *          ({"type":"error","error":{"type","message"}}, 429 rate_limit_error with retry-after,
 *          529 overloaded_error); anthropic-version and x-api-key required; extra fields rejected;
 *          recent models reject temperature and top_p together.
 *  Gemini  https://ai.google.dev/api/generate-content, https://ai.google.dev/gemini-api/docs/troubleshooting
 *          ({"error":{"code","message","status"}}, 429 RESOURCE_EXHAUSTED, unknown fields rejected).
 * Faults are scripted per request: 429 with Retry-After, 500, a delay past the client's timeout,
 * malformed JSON.
 */
package ai.fairl.infer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public final class FakeProvider implements AutoCloseable {
  public static final String KEY = "sk-test-CANARY-7f3a9c";

  public sealed interface Fault {}

  public record RateLimit(int retryAfterSeconds) implements Fault {}

  public record ServerError(int status) implements Fault {}

  public record Delay(long millis) implements Fault {}

  public record Malformed() implements Fault {}

  public final ApiProvider provider;
  final HttpServer server;
  public final ConcurrentLinkedQueue<Fault> faults = new ConcurrentLinkedQueue<>();
  public final List<String> prompts = new CopyOnWriteArrayList<>();
  final List<JsonObject> bodies = new CopyOnWriteArrayList<>();
  final AtomicInteger requests = new AtomicInteger();
  final AtomicInteger inFlight = new AtomicInteger();
  final AtomicInteger maxInFlight = new AtomicInteger();
  public volatile Function<String, String> answer = user -> "echo: " + user;
  volatile Runnable onSuccess = () -> {};
  volatile long latencyMillis = 0;

  /** Prompts for which the server answers 400 (a request the provider refuses). */
  volatile java.util.function.Predicate<String> reject = user -> false;

  /** Gateway mode: a custom wire (X-Gateway-Key header, {"input"} body, {"output":{"text"}}). */
  volatile boolean gateway = false;

  final Set<String> models;

  private FakeProvider(ApiProvider provider, Set<String> models) throws IOException {
    this.provider = provider;
    this.models = models;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.setExecutor(Executors.newCachedThreadPool());
    server.createContext("/", this::handle);
    server.start();
  }

  public static FakeProvider start(ApiProvider provider) throws IOException {
    return new FakeProvider(
        provider,
        Set.of(
            "gpt-4o-mini",
            "o3-mini",
            "gpt-5-mini",
            "meta-llama/Llama-3.2-3B-Instruct",
            "claude-3-5-haiku-20241022",
            "claude-sonnet-4-5",
            "claude-haiku-4-5",
            "gemini-2.5-flash",
            "gemini-2.0-flash",
            "claude-3-5-haiku-latest",
            "scripted"));
  }

  /** The endpoint URL a recipe would name for this server. */
  public String endpoint(String model) {
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    return switch (provider) {
      case OPENAI, HOSTED -> base + "/v1/chat/completions";
      case ANTHROPIC -> base + "/v1/messages";
      case GOOGLE -> base + "/v1beta/models/" + model + ":generateContent";
    };
  }

  @Override
  public void close() {
    server.stop(0);
  }

  private void handle(HttpExchange ex) throws IOException {
    requests.incrementAndGet();
    int now = inFlight.incrementAndGet();
    maxInFlight.accumulateAndGet(now, Math::max);
    try {
      byte[] in = ex.getRequestBody().readAllBytes();
      Fault f = faults.poll();
      if (f instanceof RateLimit r) {
        ex.getResponseHeaders().add("Retry-After", Integer.toString(r.retryAfterSeconds()));
        send(ex, 429, error(429, "rate_limit_error", "Rate limit reached. Please try again."));
        return;
      }
      if (f instanceof ServerError s) {
        send(ex, s.status(), error(s.status(), "server_error", "The server had an error."));
        return;
      }
      if (f instanceof Delay d) {
        sleep(d.millis());
      }
      if (f instanceof Malformed) {
        send(ex, 200, "{\"choices\": [ {\"message\": ");
        return;
      }
      if (latencyMillis > 0) {
        sleep(latencyMillis);
      }
      if (!"POST".equals(ex.getRequestMethod())) {
        send(ex, 405, error(405, "invalid_request_error", "Method not allowed"));
        return;
      }
      String ct = ex.getRequestHeaders().getFirst("Content-Type");
      if (ct == null || !ct.startsWith("application/json")) {
        send(ex, 400, error(400, "invalid_request_error", "Content-Type must be application/json"));
        return;
      }
      JsonObject body;
      try {
        body = JsonParser.parseString(new String(in, StandardCharsets.UTF_8)).getAsJsonObject();
      } catch (RuntimeException e) {
        send(ex, 400, error(400, "invalid_request_error", "We could not parse the JSON body."));
        return;
      }
      bodies.add(body);
      if (gateway) {
        gateway(ex, body);
        return;
      }
      switch (provider) {
        case OPENAI, HOSTED -> openAi(ex, body);
        case ANTHROPIC -> anthropic(ex, body);
        case GOOGLE -> gemini(ex, body);
      }
    } finally {
      inFlight.decrementAndGet();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private String error(int status, String type, String message) {
    JsonObject e = new JsonObject();
    switch (provider) {
      case ANTHROPIC -> {
        String t =
            switch (status) {
              case 401 -> "authentication_error";
              case 404 -> "not_found_error";
              case 429 -> "rate_limit_error";
              case 529 -> "overloaded_error";
              case 500 -> "api_error";
              default -> type;
            };
        JsonObject inner = new JsonObject();
        inner.addProperty("type", t);
        inner.addProperty("message", message);
        e.addProperty("type", "error");
        e.add("error", inner);
      }
      case GOOGLE -> {
        JsonObject inner = new JsonObject();
        inner.addProperty("code", status);
        inner.addProperty("message", message);
        inner.addProperty(
            "status",
            switch (status) {
              case 400 -> "INVALID_ARGUMENT";
              case 403 -> "PERMISSION_DENIED";
              case 404 -> "NOT_FOUND";
              case 429 -> "RESOURCE_EXHAUSTED";
              case 503 -> "UNAVAILABLE";
              default -> "INTERNAL";
            });
        e.add("error", inner);
      }
      default -> {
        JsonObject inner = new JsonObject();
        inner.addProperty("message", message);
        inner.addProperty("type", type);
        inner.add("param", com.google.gson.JsonNull.INSTANCE);
        inner.add("code", com.google.gson.JsonNull.INSTANCE);
        e.add("error", inner);
      }
    }
    return e.toString();
  }

  private static final Set<String> OPENAI_FIELDS =
      Set.of(
          "model",
          "messages",
          "max_tokens",
          "max_completion_tokens",
          "temperature",
          "top_p",
          "n",
          "stop",
          "seed",
          "stream",
          "user",
          "presence_penalty",
          "frequency_penalty",
          "reasoning_effort",
          "response_format",
          "logprobs",
          "top_logprobs");

  private void openAi(HttpExchange ex, JsonObject b) throws IOException {
    String auth = ex.getRequestHeaders().getFirst("Authorization");
    if (auth == null || !auth.equals("Bearer " + KEY)) {
      send(
          ex,
          401,
          error(
              401,
              "invalid_request_error",
              auth == null
                  ? "You didn't provide an API key. You need to provide your API key in an"
                      + " Authorization header using Bearer auth (i.e. Authorization: Bearer"
                      + " YOUR_KEY)."
                  : "Incorrect API key provided."));
      return;
    }
    for (String k : b.keySet()) {
      if (!OPENAI_FIELDS.contains(k)) {
        send(
            ex,
            400,
            error(400, "invalid_request_error", "Unrecognized request argument supplied: " + k));
        return;
      }
    }
    if (!b.has("model") || !b.has("messages")) {
      send(
          ex,
          400,
          error(
              400,
              "invalid_request_error",
              "Missing required parameter: '" + (b.has("model") ? "messages" : "model") + "'."));
      return;
    }
    String model = b.get("model").getAsString();
    if (!models.contains(model)) {
      send(
          ex,
          404,
          error(
              404,
              "invalid_request_error",
              "The model `" + model + "` does not exist or you do not have access to it."));
      return;
    }
    if (ApiWire.openAiReasoning(model)) {
      if (b.has("max_tokens")) {
        send(
            ex,
            400,
            error(
                400,
                "invalid_request_error",
                "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead."));
        return;
      }
      for (String p : List.of("temperature", "top_p")) {
        if (b.has(p) && b.get(p).getAsDouble() != 1.0) {
          send(
              ex,
              400,
              error(
                  400,
                  "invalid_request_error",
                  "Unsupported value: '"
                      + p
                      + "' does not support "
                      + b.get(p)
                      + " with this model. Only the default (1) value is supported."));
          return;
        }
      }
    }
    JsonArray messages = b.getAsJsonArray("messages");
    if (messages.isEmpty()) {
      send(
          ex,
          400,
          error(
              400,
              "invalid_request_error",
              "Invalid 'messages': empty array. Expected an array with minimum length 1."));
      return;
    }
    String user = null;
    for (JsonElement m : messages) {
      JsonObject mo = m.getAsJsonObject();
      String role = mo.get("role").getAsString();
      if (!Set.of("system", "developer", "user", "assistant").contains(role)) {
        send(
            ex,
            400,
            error(
                400,
                "invalid_request_error",
                "Invalid value: '"
                    + role
                    + "'. Supported values are: 'system', 'assistant', 'user', 'tool', and 'function'."));
        return;
      }
      if (role.equals("user")) {
        user = mo.get("content").getAsString();
      }
    }
    if (rejected(ex, user)) {
      return;
    }
    String text = reply(user);
    String json =
        "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion\",\"created\":1700000000,\"model\":"
            + q(model)
            + ",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":"
            + q(text)
            + ",\"refusal\":null},\"logprobs\":null,\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":"
            + words(user)
            + ",\"completion_tokens\":"
            + words(text)
            + ",\"total_tokens\":"
            + (words(user) + words(text))
            + "}}";
    send(ex, 200, json);
  }

  private static final Set<String> ANTHROPIC_FIELDS =
      Set.of(
          "model",
          "messages",
          "max_tokens",
          "system",
          "temperature",
          "top_p",
          "top_k",
          "stop_sequences",
          "stream",
          "metadata",
          "thinking",
          "tools",
          "tool_choice");
  private static final Pattern RECENT_CLAUDE =
      Pattern.compile("claude-(opus|sonnet|haiku)-(4-[1-9]|[5-9]).*");

  private void anthropic(HttpExchange ex, JsonObject b) throws IOException {
    String key = ex.getRequestHeaders().getFirst("x-api-key");
    if (key == null || !key.equals(KEY)) {
      send(ex, 401, error(401, "authentication_error", "invalid x-api-key"));
      return;
    }
    if (ex.getRequestHeaders().getFirst("anthropic-version") == null) {
      send(ex, 400, error(400, "invalid_request_error", "anthropic-version: header is required"));
      return;
    }
    for (String k : b.keySet()) {
      if (!ANTHROPIC_FIELDS.contains(k)) {
        send(ex, 400, error(400, "invalid_request_error", k + ": Extra inputs are not permitted"));
        return;
      }
    }
    for (String k : List.of("model", "max_tokens", "messages")) {
      if (!b.has(k)) {
        send(ex, 400, error(400, "invalid_request_error", k + ": Field required"));
        return;
      }
    }
    String model = b.get("model").getAsString();
    if (!models.contains(model)) {
      send(ex, 404, error(404, "not_found_error", "model: " + model));
      return;
    }
    if (b.has("temperature")) {
      double t = b.get("temperature").getAsDouble();
      if (t < 0 || t > 1) {
        send(
            ex,
            400,
            error(
                400,
                "invalid_request_error",
                "temperature: Input should be less than or equal to 1"));
        return;
      }
    }
    if (RECENT_CLAUDE.matcher(model).matches() && b.has("temperature") && b.has("top_p")) {
      send(
          ex,
          400,
          error(
              400,
              "invalid_request_error",
              "`temperature` and `top_p` cannot both be specified for this model. Please use only one."));
      return;
    }
    JsonArray messages = b.getAsJsonArray("messages");
    if (messages.isEmpty()
        || !"user".equals(messages.get(0).getAsJsonObject().get("role").getAsString())) {
      send(
          ex,
          400,
          error(
              400, "invalid_request_error", "messages: first message must use the \"user\" role"));
      return;
    }
    for (JsonElement m : messages) {
      if ("system".equals(m.getAsJsonObject().get("role").getAsString())) {
        send(
            ex,
            400,
            error(
                400,
                "invalid_request_error",
                "messages: Unexpected role \"system\". The Messages API accepts a top-level `system` parameter, not \"system\" as an input message role."));
        return;
      }
    }
    String user = messages.get(messages.size() - 1).getAsJsonObject().get("content").getAsString();
    if (rejected(ex, user)) {
      return;
    }
    String text = reply(user);
    String json =
        "{\"id\":\"msg_01\",\"type\":\"message\",\"role\":\"assistant\",\"model\":"
            + q(model)
            + ",\"content\":[{\"type\":\"text\",\"text\":"
            + q(text)
            + "}],\"stop_reason\":\"end_turn\",\"stop_sequence\":null,\"usage\":{\"input_tokens\":"
            + words(user)
            + ",\"output_tokens\":"
            + words(text)
            + "}}";
    send(ex, 200, json);
  }

  private static final Pattern GEMINI_PATH =
      Pattern.compile("/v1beta/models/([^/:]+):generateContent");
  private static final Set<String> GEMINI_FIELDS =
      Set.of(
          "contents",
          "systemInstruction",
          "system_instruction",
          "generationConfig",
          "safetySettings",
          "tools",
          "toolConfig",
          "cachedContent");
  private static final Set<String> GEMINI_CONFIG =
      Set.of(
          "maxOutputTokens",
          "temperature",
          "topP",
          "topK",
          "candidateCount",
          "stopSequences",
          "responseMimeType",
          "seed",
          "thinkingConfig");

  private void gemini(HttpExchange ex, JsonObject b) throws IOException {
    String key = ex.getRequestHeaders().getFirst("x-goog-api-key");
    if (key == null) {
      send(
          ex,
          403,
          error(
              403,
              "",
              "Method doesn't allow unregistered callers (callers without established identity). Please use API Key or other form of API consumer identity to call this API."));
      return;
    }
    if (!key.equals(KEY)) {
      send(ex, 400, error(400, "", "API key not valid. Please pass a valid API key."));
      return;
    }
    Matcher m = GEMINI_PATH.matcher(ex.getRequestURI().getPath());
    if (!m.matches()) {
      send(ex, 404, error(404, "", "The requested URL was not found on this server."));
      return;
    }
    String model = m.group(1);
    if (!models.contains(model)) {
      send(
          ex,
          404,
          error(
              404,
              "",
              "models/"
                  + model
                  + " is not found for API version v1beta, or is not supported for generateContent."));
      return;
    }
    for (String k : b.keySet()) {
      if (!GEMINI_FIELDS.contains(k)) {
        send(
            ex,
            400,
            error(
                400,
                "",
                "Invalid JSON payload received. Unknown name \"" + k + "\": Cannot find field."));
        return;
      }
    }
    if (b.has("generationConfig")) {
      for (String k : b.getAsJsonObject("generationConfig").keySet()) {
        if (!GEMINI_CONFIG.contains(k)) {
          send(
              ex,
              400,
              error(
                  400,
                  "",
                  "Invalid JSON payload received. Unknown name \""
                      + k
                      + "\" at 'generation_config': Cannot find field."));
          return;
        }
      }
    }
    if (!b.has("contents")
        || !b.get("contents").isJsonArray()
        || b.getAsJsonArray("contents").isEmpty()) {
      send(ex, 400, error(400, "", "* GenerateContentRequest.contents: contents is not specified"));
      return;
    }
    JsonObject last =
        b.getAsJsonArray("contents").get(b.getAsJsonArray("contents").size() - 1).getAsJsonObject();
    JsonArray parts = last.getAsJsonArray("parts");
    if (parts == null || parts.isEmpty()) {
      send(
          ex,
          400,
          error(
              400,
              "",
              "* GenerateContentRequest.contents[0].parts: contents.parts must not be empty."));
      return;
    }
    String user = parts.get(0).getAsJsonObject().get("text").getAsString();
    if (rejected(ex, user)) {
      return;
    }
    String text = reply(user);
    String json =
        "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":"
            + q(text)
            + "}],\"role\":\"model\"},\"finishReason\":\"STOP\",\"index\":0}],\"usageMetadata\":{\"promptTokenCount\":"
            + words(user)
            + ",\"candidatesTokenCount\":"
            + words(text)
            + ",\"totalTokenCount\":"
            + (words(user) + words(text))
            + "},\"modelVersion\":"
            + q(model)
            + "}";
    send(ex, 200, json);
  }

  private void gateway(HttpExchange ex, JsonObject b) throws IOException {
    if (!KEY.equals(ex.getRequestHeaders().getFirst("X-Gateway-Key"))) {
      send(ex, 401, "{\"error\": \"missing or wrong X-Gateway-Key\"}");
      return;
    }
    if (!b.has("input") || !b.has("max_new_tokens") || b.keySet().size() != 2) {
      send(
          ex,
          422,
          "{\"error\": \"expected exactly {input, max_new_tokens}, got " + b.keySet() + "\"}");
      return;
    }
    String text = reply(b.get("input").getAsString());
    send(ex, 200, "{\"output\": {\"text\": " + q(text) + "}}");
  }

  private boolean rejected(HttpExchange ex, String user) throws IOException {
    if (user != null && reject.test(user)) {
      send(
          ex,
          400,
          error(400, "invalid_request_error", "This prompt was refused by the test server."));
      return true;
    }
    return false;
  }

  private String reply(String user) {
    prompts.add(user);
    String text = answer.apply(user);
    onSuccess.run();
    return text;
  }

  private static int words(String s) {
    return s == null || s.isBlank() ? 0 : s.strip().split("\\s+").length;
  }

  private static String q(String s) {
    return new com.google.gson.JsonPrimitive(s).toString();
  }

  private static void send(HttpExchange ex, int status, String body) throws IOException {
    byte[] out = body.getBytes(StandardCharsets.UTF_8);
    ex.getResponseHeaders().add("Content-Type", "application/json");
    ex.sendResponseHeaders(status, out.length);
    try (OutputStream os = ex.getResponseBody()) {
      os.write(out);
    }
  }
}
