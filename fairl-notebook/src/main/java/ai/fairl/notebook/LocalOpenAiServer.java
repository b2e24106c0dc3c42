/*
 * A self-hosted, OpenAI-compatible endpoint for a local model: what vLLM, TGI or llama.cpp's server
 * offer on a GPU box, small enough to run next to a notebook on a laptop. It answers with the real
 * model it serves (no canned text), on 127.0.0.1 only, and checks requests as the Chat Completions
 * API documents them (https://platform.openai.com/docs/api-reference/chat/create; error bodies
 * {"error":{"message","type","param","code"}} as in https://platform.openai.com/docs/guides/error-codes):
 *   POST /v1/chat/completions  Authorization: Bearer <key> when a key is set, JSON body with model,
 *                              messages (system? then one user turn), max_tokens or
 *                              max_completion_tokens, temperature [0,2], top_p (0,1], n = 1
 *   GET  /v1/models            the one served model
 * Simplified: one user turn per request (an optional system message before it; earlier assistant
 * turns are refused with 400, not silently dropped), no streaming (stream: true is a 400), one
 * choice, requests answered one at a time. A request with only a user message reaches the model as
 * a flat prompt (raw text, no chat template), one with a system message as a chat prompt.
 */
package ai.fairl.notebook;

import ai.fairl.infer.Completion;
import ai.fairl.infer.GenerationParams;
import ai.fairl.infer.Prompt;
import ai.fairl.infer.TextGenerator;
import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
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
import java.security.MessageDigest;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Serves a {@link TextGenerator} (e.g. {@code LocalGenerator.open("tiny:llama", 1, 42)}) over the
 * OpenAI Chat Completions wire format on the loopback interface. Inference recipes reach it as a
 * hosted endpoint: {@code api_endpoint: <chatCompletionsUrl()>}, {@code provider: hosted}.
 */
public final class LocalOpenAiServer implements AutoCloseable {
  private static final Gson GSON = new GsonBuilder().serializeNulls().create();
  private static final Set<String> ROLES = Set.of("system", "user");

  private final TextGenerator generator;
  private final String model;
  private final byte[] key;
  private final HttpServer server;
  private final ExecutorService executor;
  private final AtomicInteger answered = new AtomicInteger();
  private final AtomicInteger refused = new AtomicInteger();

  private LocalOpenAiServer(TextGenerator generator, String model, String apiKey)
      throws IOException {
    this.generator = generator;
    this.model = model;
    this.key = apiKey == null ? null : apiKey.getBytes(StandardCharsets.UTF_8);
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    this.executor = Executors.newFixedThreadPool(2);
    server.setExecutor(executor);
    server.createContext("/v1/chat/completions", this::chat);
    server.createContext("/v1/models", this::models);
    server.createContext("/", e -> error(e, 404, "Unknown request URL: " + path(e), "not_found"));
    server.start();
  }

  /**
   * Starts serving {@code generator} under the model name {@code model} on a free loopback port.
   * With a non-null {@code apiKey} every request must carry {@code Authorization: Bearer <apiKey>}.
   * Closing the server does not close the generator.
   */
  public static LocalOpenAiServer start(TextGenerator generator, String model, String apiKey)
      throws IOException {
    if (generator == null) {
      throw new IllegalArgumentException("LocalOpenAiServer needs a TextGenerator, got null");
    }
    if (model == null || model.isBlank()) {
      throw new IllegalArgumentException(
          "LocalOpenAiServer needs the model name clients send (e.g. \"tiny:llama\")");
    }
    return new LocalOpenAiServer(generator, model, apiKey);
  }

  /** {@code http://127.0.0.1:<port>/v1}, the base URL OpenAI client libraries take. */
  public String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  /** The URL an inference recipe's {@code api_endpoint} names. */
  public String chatCompletionsUrl() {
    return baseUrl() + "/chat/completions";
  }

  /** The served model's name. */
  public String model() {
    return model;
  }

  /** Requests answered with a completion so far. */
  public int answered() {
    return answered.get();
  }

  /** Requests refused with an error status so far. */
  public int refused() {
    return refused.get();
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }

  private void models(HttpExchange e) throws IOException {
    if (!e.getRequestMethod().equals("GET")) {
      error(e, 405, "Method " + e.getRequestMethod() + " not allowed on /v1/models", null);
      return;
    }
    if (!authorized(e)) {
      return;
    }
    JsonObject m = new JsonObject();
    m.addProperty("id", model);
    m.addProperty("object", "model");
    m.addProperty("created", 0);
    m.addProperty("owned_by", "fairl");
    JsonArray data = new JsonArray();
    data.add(m);
    JsonObject list = new JsonObject();
    list.addProperty("object", "list");
    list.add("data", data);
    send(e, 200, list);
  }

  private void chat(HttpExchange e) throws IOException {
    try (e) {
      if (!e.getRequestMethod().equals("POST")) {
        error(e, 405, "Method " + e.getRequestMethod() + " not allowed; use POST", null);
        return;
      }
      if (!authorized(e)) {
        return;
      }
      String type = e.getRequestHeaders().getFirst("Content-Type");
      if (type == null || !type.toLowerCase(java.util.Locale.ROOT).startsWith("application/json")) {
        invalid(e, "Content-Type must be application/json, got " + type, null);
        return;
      }
      JsonObject body;
      try {
        JsonElement parsed =
            JsonParser.parseString(
                new String(e.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
        if (!parsed.isJsonObject()) {
          invalid(e, "The request body must be a JSON object", null);
          return;
        }
        body = parsed.getAsJsonObject();
      } catch (com.google.gson.JsonParseException ex) {
        invalid(
            e, "We could not parse the JSON body of your request. (" + ex.getMessage() + ")", null);
        return;
      }
      Request r = parse(e, body);
      if (r == null) {
        return;
      }
      List<Completion> out;
      synchronized (generator) {
        out = generator.generate(List.of(r.prompt), r.params);
      }
      Completion c = out.get(0);
      if (!c.succeeded()) {
        refused.incrementAndGet();
        error(e, 500, "The model failed on this request: " + c.error(), "server_error");
        return;
      }
      answered.incrementAndGet();
      send(e, 200, reply(c, r.params.maxNewTokens()));
    }
  }

  private record Request(Prompt prompt, GenerationParams params) {}

  /** The validated request, or null after an error reply. */
  private Request parse(HttpExchange e, JsonObject b) throws IOException {
    JsonElement m = b.get("model");
    if (m == null || !m.isJsonPrimitive() || !m.getAsJsonPrimitive().isString()) {
      invalid(e, "you must provide a model parameter", "model");
      return null;
    }
    if (!m.getAsString().equals(model)) {
      refused.incrementAndGet();
      error(
          e,
          404,
          "The model `" + m.getAsString() + "` does not exist; this server serves `" + model + "`",
          "model_not_found");
      return null;
    }
    if (b.has("stream") && b.get("stream").isJsonPrimitive() && b.get("stream").getAsBoolean()) {
      invalid(e, "stream: true is not supported by this server; send stream: false", "stream");
      return null;
    }
    if (b.has("n") && (!isInt(b.get("n")) || b.get("n").getAsInt() != 1)) {
      invalid(e, "this server returns one choice: n must be 1, got " + b.get("n"), "n");
      return null;
    }
    JsonElement msgs = b.get("messages");
    if (msgs == null || !msgs.isJsonArray() || msgs.getAsJsonArray().isEmpty()) {
      invalid(e, "'messages' must be a non-empty array", "messages");
      return null;
    }
    String system = null;
    String user = null;
    JsonArray arr = msgs.getAsJsonArray();
    for (int i = 0; i < arr.size(); i++) {
      String param = "messages[" + i + "]";
      if (!arr.get(i).isJsonObject()) {
        invalid(e, param + " must be an object with role and content", param);
        return null;
      }
      JsonObject msg = arr.get(i).getAsJsonObject();
      JsonElement role = msg.get("role");
      JsonElement content = msg.get("content");
      if (role == null || !role.isJsonPrimitive() || !ROLES.contains(role.getAsString())) {
        invalid(
            e,
            param
                + ".role must be 'system' or 'user' (this server answers one user turn, after an"
                + " optional system message), got "
                + role,
            param + ".role");
        return null;
      }
      if (content == null
          || !content.isJsonPrimitive()
          || !content.getAsJsonPrimitive().isString()) {
        invalid(e, param + ".content must be a string", param + ".content");
        return null;
      }
    }
    for (int i = 0; i < arr.size(); i++) {
      String param = "messages[" + i + "]";
      JsonObject msg = arr.get(i).getAsJsonObject();
      boolean isSystem = msg.get("role").getAsString().equals("system");
      if (isSystem && (i != 0 || arr.size() != 2)) {
        invalid(e, "a system message may only come first, before one user message", param);
        return null;
      }
      if (!isSystem && i != arr.size() - 1) {
        invalid(e, "this server answers one user turn: the user message must be last", param);
        return null;
      }
      if (isSystem) {
        system = msg.get("content").getAsString();
      } else {
        user = msg.get("content").getAsString();
      }
    }
    if (user == null) {
      invalid(e, "the messages hold no user message", "messages");
      return null;
    }
    int maxTokens = 16;
    for (String k : List.of("max_tokens", "max_completion_tokens")) {
      if (b.has(k) && !b.get(k).isJsonNull()) {
        if (!isInt(b.get(k)) || b.get(k).getAsInt() < 1) {
          invalid(e, k + " must be an integer >= 1, got " + b.get(k), k);
          return null;
        }
        maxTokens = b.get(k).getAsInt();
      }
    }
    double temperature = 1.0;
    double topP = 1.0;
    if (b.has("temperature") && !b.get("temperature").isJsonNull()) {
      temperature = number(b.get("temperature"));
      if (!(temperature >= 0 && temperature <= 2)) {
        invalid(
            e,
            "temperature must be a number in [0, 2], got " + b.get("temperature"),
            "temperature");
        return null;
      }
    }
    if (b.has("top_p") && !b.get("top_p").isJsonNull()) {
      topP = number(b.get("top_p"));
      if (!(topP > 0 && topP <= 1)) {
        invalid(e, "top_p must be a number in (0, 1], got " + b.get("top_p"), "top_p");
        return null;
      }
    }
    Prompt prompt = system == null ? Prompt.of(user) : Prompt.chat(system, user);
    return new Request(prompt, new GenerationParams(temperature, topP, maxTokens, temperature > 0));
  }

  private JsonObject reply(Completion c, int maxTokens) {
    JsonObject message = new JsonObject();
    message.addProperty("role", "assistant");
    message.addProperty("content", c.text());
    JsonObject choice = new JsonObject();
    choice.addProperty("index", 0);
    choice.add("message", message);
    choice.addProperty("finish_reason", c.completionTokens() >= maxTokens ? "length" : "stop");
    JsonArray choices = new JsonArray();
    choices.add(choice);
    JsonObject usage = new JsonObject();
    int p = Math.max(0, c.promptTokens());
    int n = Math.max(0, c.completionTokens());
    usage.addProperty("prompt_tokens", p);
    usage.addProperty("completion_tokens", n);
    usage.addProperty("total_tokens", p + n);
    JsonObject r = new JsonObject();
    r.addProperty("id", "chatcmpl-" + UUID.randomUUID().toString().replace("-", ""));
    r.addProperty("object", "chat.completion");
    r.addProperty("created", System.currentTimeMillis() / 1000);
    r.addProperty("model", model);
    r.add("choices", choices);
    r.add("usage", usage);
    return r;
  }

  private boolean authorized(HttpExchange e) throws IOException {
    if (key == null) {
      return true;
    }
    String h = e.getRequestHeaders().getFirst("Authorization");
    byte[] given =
        h != null && h.startsWith("Bearer ")
            ? h.substring(7).getBytes(StandardCharsets.UTF_8)
            : new byte[0];
    if (MessageDigest.isEqual(given, key)) {
      return true;
    }
    refused.incrementAndGet();
    error(
        e,
        401,
        h == null
            ? "You didn't provide an API key. Send it as Authorization: Bearer YOUR_KEY"
            : "Incorrect API key provided.",
        "invalid_api_key");
    return false;
  }

  private void invalid(HttpExchange e, String message, String param) throws IOException {
    refused.incrementAndGet();
    JsonObject err = new JsonObject();
    err.addProperty("message", message);
    err.addProperty("type", "invalid_request_error");
    err.addProperty("param", param);
    err.add("code", com.google.gson.JsonNull.INSTANCE);
    JsonObject o = new JsonObject();
    o.add("error", err);
    send(e, 400, o);
  }

  private static void error(HttpExchange e, int status, String message, String code)
      throws IOException {
    JsonObject err = new JsonObject();
    err.addProperty("message", message);
    err.addProperty("type", status == 401 || status == 404 ? "invalid_request_error" : "api_error");
    err.add("param", com.google.gson.JsonNull.INSTANCE);
    if (code == null) {
      err.add("code", com.google.gson.JsonNull.INSTANCE);
    } else {
      err.addProperty("code", code);
    }
    JsonObject o = new JsonObject();
    o.add("error", err);
    send(e, status, o);
  }

  private static void send(HttpExchange e, int status, JsonObject body) throws IOException {
    byte[] bytes = GSON.toJson(body).getBytes(StandardCharsets.UTF_8);
    e.getResponseHeaders().set("Content-Type", "application/json");
    e.sendResponseHeaders(status, bytes.length);
    try (OutputStream os = e.getResponseBody()) {
      os.write(bytes);
    }
  }

  private static String path(HttpExchange e) {
    return e.getRequestMethod() + " " + e.getRequestURI().getPath();
  }

  private static boolean isInt(JsonElement v) {
    if (!v.isJsonPrimitive() || !v.getAsJsonPrimitive().isNumber()) {
      return false;
    }
    double d = v.getAsDouble();
    return d == Math.rint(d) && Math.abs(d) < Integer.MAX_VALUE;
  }

  private static double number(JsonElement v) {
    return v.isJsonPrimitive() && v.getAsJsonPrimitive().isNumber() ? v.getAsDouble() : Double.NaN;
  }
}
