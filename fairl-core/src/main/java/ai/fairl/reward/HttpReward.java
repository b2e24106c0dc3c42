package ai.fairl.reward;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * FAI-RL's {@code APIRewardFunction} ({@code trainers/rewards/api_reward.py}): POSTs {@code
 * {**extra_body, "prompts": [...], "completions": [...], "context": {column: [values...]}}} and
 * reads {@code body[response_field]}, a list of finite numbers (not booleans), one per completion.
 * Failures (HTTP status >= 400, bad JSON, wrong shape, timeouts) are retried {@code max_retries}
 * times after {@code retry_backoff_seconds * 2^attempt}, then raised naming the endpoint.
 *
 * <p>Simplified: {@code verify_ssl: false} trusts any certificate chain; the JDK client still
 * checks the host name.
 */
final class HttpReward implements RewardFunction {
  private static final Gson GSON =
      new GsonBuilder().serializeNulls().disableHtmlEscaping().create();
  private final RewardApiConfig config;
  private final HttpClient client;

  HttpReward(RewardApiConfig config) {
    this.config = config;
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .connectTimeout(Duration.ofMillis((long) (config.timeoutSeconds() * 1000)));
    if (!config.verifySsl()) {
      b.sslContext(trustAll());
    }
    this.client = b.build();
  }

  @Override
  public String name() {
    return "reward_api";
  }

  @Override
  public String toString() {
    return "reward_api(" + config.endpoint() + ")";
  }

  @Override
  public double[] score(
      List<String> prompts, List<String> completions, List<Map<String, Object>> columns) {
    String body = GSON.toJson(payload(prompts, completions, columns));
    int attempts = config.maxRetries() + 1;
    Exception last = null;
    for (int attempt = 0; attempt < attempts; attempt++) {
      try {
        return parse(send(body), completions.size());
      } catch (IOException
          | IllegalStateException
          | IllegalArgumentException
          | com.google.gson.JsonParseException e) {
        last = e;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("reward_api call interrupted", e);
      }
      if (attempt + 1 < attempts) {
        sleep(config.retryBackoffSeconds() * Math.pow(2, attempt));
      }
    }
    throw new IllegalStateException(
        "reward_api failed after "
            + attempts
            + " attempt(s) at "
            + config.endpoint()
            + ": "
            + last.getMessage()
            + "; check the endpoint, or raise reward_api.max_retries / timeout_seconds",
        last);
  }

  JsonObject payload(
      List<String> prompts, List<String> completions, List<Map<String, Object>> columns) {
    JsonObject o = GSON.toJsonTree(config.extraBody()).getAsJsonObject();
    o.add("prompts", GSON.toJsonTree(prompts));
    o.add("completions", GSON.toJsonTree(completions));
    Map<String, List<Object>> context = new LinkedHashMap<>();
    for (Map<String, Object> row : columns) {
      for (String key : row.keySet()) {
        context.computeIfAbsent(key, k -> new ArrayList<>());
      }
    }
    for (Map<String, Object> row : columns) {
      for (Map.Entry<String, List<Object>> e : context.entrySet()) {
        e.getValue().add(row.get(e.getKey()));
      }
    }
    o.add("context", GSON.toJsonTree(context));
    return o;
  }

  private String send(String body) throws IOException, InterruptedException {
    HttpRequest.Builder req =
        HttpRequest.newBuilder(config.endpoint())
            .timeout(Duration.ofMillis((long) (config.timeoutSeconds() * 1000)))
            .header("Content-Type", "application/json");
    config.headers().forEach(req::header);
    if (config.apiKey() != null && !config.apiKey().isEmpty()) {
      req.setHeader(config.authHeader(), (config.authScheme() + " " + config.apiKey()).strip());
    }
    HttpResponse<String> resp =
        client.send(
            req.POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
    if (resp.statusCode() >= 400) {
      String text = resp.body() == null ? "" : resp.body();
      throw new IOException(
          "HTTP "
              + resp.statusCode()
              + (text.isBlank() ? "" : ": " + text.substring(0, Math.min(200, text.length()))));
    }
    return resp.body();
  }

  private double[] parse(String text, int expected) {
    JsonElement root = JsonParser.parseString(text);
    if (!root.isJsonObject()) {
      throw new IllegalStateException("response is not a JSON object: " + abbreviate(text));
    }
    JsonElement field = root.getAsJsonObject().get(config.responseField());
    if (field == null) {
      throw new IllegalStateException(
          "response has no field '"
              + config.responseField()
              + "' (reward_api.response_field); keys: "
              + root.getAsJsonObject().keySet());
    }
    if (!field.isJsonArray()) {
      throw new IllegalStateException(
          "response field '" + config.responseField() + "' must be a list, got " + field);
    }
    JsonArray arr = field.getAsJsonArray();
    if (arr.size() != expected) {
      throw new IllegalStateException(
          "reward API returned " + arr.size() + " rewards for " + expected + " completions");
    }
    double[] out = new double[expected];
    for (int i = 0; i < expected; i++) {
      JsonElement e = arr.get(i);
      if (!e.isJsonPrimitive()) {
        throw new IllegalStateException("reward " + i + " is not a number: " + e);
      }
      JsonPrimitive p = e.getAsJsonPrimitive();
      if (p.isBoolean()) {
        throw new IllegalStateException("reward " + i + " must be a number, not a boolean: " + p);
      }
      double v;
      try {
        v = p.getAsDouble();
      } catch (NumberFormatException ex) {
        throw new IllegalStateException("reward " + i + " is not a number: " + p);
      }
      if (!Double.isFinite(v)) {
        throw new IllegalStateException("reward " + i + " must be finite, got " + p);
      }
      out[i] = v;
    }
    return out;
  }

  private static String abbreviate(String s) {
    return s.length() <= 200 ? s : s.substring(0, 200) + "...";
  }

  private static void sleep(double seconds) {
    try {
      Thread.sleep((long) (seconds * 1000));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("reward_api retry interrupted", e);
    }
  }

  private static SSLContext trustAll() {
    try {
      SSLContext ctx = SSLContext.getInstance("TLS");
      TrustManager tm =
          new X509TrustManager() {
            @Override
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}

            @Override
            public X509Certificate[] getAcceptedIssuers() {
              return new X509Certificate[0];
            }
          };
      ctx.init(null, new TrustManager[] {tm}, new SecureRandom());
      return ctx;
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("cannot build the TLS context for verify_ssl: false", e);
    }
  }
}
