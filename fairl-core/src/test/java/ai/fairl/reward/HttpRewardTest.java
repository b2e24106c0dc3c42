package ai.fairl.reward;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** FAI-RL's reward_api protocol against a local server that checks each request strictly. */
class HttpRewardTest {
  private HttpServer server;
  private final List<JsonObject> bodies = new ArrayList<>();
  private final List<Map<String, String>> headers = new ArrayList<>();

  private String serve(Function<Integer, Reply> replies) throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    AtomicInteger calls = new AtomicInteger();
    server.createContext(
        "/score",
        (HttpExchange ex) -> {
          String body = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
          Map<String, String> h = new LinkedHashMap<>();
          ex.getRequestHeaders().forEach((k, v) -> h.put(k.toLowerCase(), v.get(0)));
          synchronized (bodies) {
            headers.add(h);
            bodies.add(JsonParser.parseString(body).getAsJsonObject());
          }
          Reply r =
              "POST".equals(ex.getRequestMethod())
                      && h.getOrDefault("content-type", "").equals("application/json")
                  ? replies.apply(calls.getAndIncrement())
                  : new Reply(415, "{\"error\":\"POST application/json only\"}", 0);
          if (r.delayMs > 0) {
            try {
              Thread.sleep(r.delayMs);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
          byte[] out = r.body.getBytes(StandardCharsets.UTF_8);
          ex.getResponseHeaders().add("Content-Type", "application/json");
          ex.sendResponseHeaders(r.status, out.length);
          ex.getResponseBody().write(out);
          ex.close();
        });
    server.start();
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/score";
  }

  record Reply(int status, String body, long delayMs) {}

  @AfterEach
  void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private static double[] call(RewardFunction f) {
    return f.score(
        List.of("q1", "q2"),
        List.of("<answer>3</answer>", "4"),
        List.of(Map.of("answer", "3", "id", 1), Map.of("answer", "5", "id", 2)));
  }

  @Test
  void sendsFaiRlsPayloadAndHeaders() throws IOException {
    String url = serve(i -> new Reply(200, "{\"scores\": [1.5, -2]}", 0));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("endpoint", url);
    m.put("api_key", "sekret-123");
    m.put("auth_header", "X-Api-Key");
    m.put("auth_scheme", "Token");
    m.put("headers", Map.of("X-Team", "rl"));
    m.put("extra_body", Map.of("model", "judge-1", "rubric", List.of("a", "b")));
    m.put("response_field", "scores");
    double[] got = call(Rewards.http(RewardApiConfig.fromMap(m)));
    assertArrayEquals(new double[] {1.5, -2.0}, got);
    JsonObject b = bodies.get(0);
    assertEquals(
        JsonParser.parseString(
            "{\"model\":\"judge-1\",\"rubric\":[\"a\",\"b\"],\"prompts\":[\"q1\",\"q2\"],"
                + "\"completions\":[\"<answer>3</answer>\",\"4\"],"
                + "\"context\":{\"answer\":[\"3\",\"5\"],\"id\":[1,2]}}"),
        b);
    assertEquals("Token sekret-123", headers.get(0).get("x-api-key"));
    assertEquals("rl", headers.get(0).get("x-team"));
    assertFalse(headers.get(0).containsKey("authorization"));
  }

  @Test
  void defaultAuthIsBearerAndNoKeyMeansNoHeader() throws IOException {
    String url = serve(i -> new Reply(200, "{\"rewards\": [0, 1]}", 0));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("endpoint", url);
    m.put("api_key", "k");
    call(Rewards.http(RewardApiConfig.fromMap(m)));
    call(Rewards.http(RewardApiConfig.of(url)));
    assertEquals("Bearer k", headers.get(0).get("authorization"));
    assertFalse(headers.get(1).containsKey("authorization"));
  }

  @Test
  void retriesWithBackoffThenSucceeds() throws IOException {
    String url =
        serve(
            i ->
                i < 2
                    ? new Reply(503, "{\"error\":\"busy\"}", 0)
                    : new Reply(200, "{\"rewards\": [0.25, 0.75]}", 0));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("endpoint", url);
    m.put("max_retries", 2);
    m.put("retry_backoff_seconds", 0.05);
    long t0 = System.nanoTime();
    assertArrayEquals(new double[] {0.25, 0.75}, call(Rewards.http(RewardApiConfig.fromMap(m))));
    double waited = (System.nanoTime() - t0) / 1e9;
    assertEquals(3, bodies.size());
    assertTrue(waited >= 0.05 + 0.10, "backoff 0.05*2^0 + 0.05*2^1, waited " + waited);
  }

  @Test
  void rejectsBooleansWrongCountsNonFiniteAndMissingFieldAfterRetries() throws IOException {
    String[] bad = {
      "{\"rewards\": [true, 1]}",
      "{\"rewards\": [1]}",
      "{\"rewards\": [1, \"NaN\"]}",
      "{\"other\": [1, 2]}",
      "{\"rewards\": 3}",
      "not json"
    };
    String[] says = {
      "must be a number, not a boolean",
      "returned 1 rewards for 2 completions",
      "must be finite",
      "has no field 'rewards'",
      "must be a list",
      "not json"
    };
    for (int k = 0; k < bad.length; k++) {
      stop();
      bodies.clear();
      String body = bad[k];
      String url = serve(i -> new Reply(200, body, 0));
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("endpoint", url);
      m.put("max_retries", 1);
      m.put("retry_backoff_seconds", 0);
      RewardFunction f = Rewards.http(RewardApiConfig.fromMap(m));
      var e = assertThrows(IllegalStateException.class, () -> call(f));
      assertTrue(
          e.getMessage().startsWith("reward_api failed after 2 attempt(s) at " + url),
          e.getMessage());
      if (!says[k].equals("not json")) {
        assertTrue(e.getMessage().contains(says[k]), body + " -> " + e.getMessage());
      }
      assertEquals(2, bodies.size(), "one retry for " + body);
    }
  }

  @Test
  void timeoutIsRetriedThenReported() throws IOException {
    String url = serve(i -> new Reply(200, "{\"rewards\": [1, 1]}", 1500));
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("endpoint", url);
    m.put("timeout_seconds", 0.2);
    m.put("max_retries", 0);
    var e =
        assertThrows(
            IllegalStateException.class, () -> call(Rewards.http(RewardApiConfig.fromMap(m))));
    assertTrue(e.getMessage().contains("timed out"), e.getMessage());
  }

  @Test
  void configErrorsNameTheKey() {
    assertEquals(
        "reward_api.endpoint is required, e.g. endpoint: https://rewards.example.com/score",
        assertThrows(IllegalArgumentException.class, () -> RewardApiConfig.fromMap(Map.of()))
            .getMessage());
    assertEquals(
        "reward_api.timeout_seconds must be > 0, got -1.0",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    RewardApiConfig.fromMap(
                        Map.of("endpoint", "http://x/score", "timeout_seconds", -1)))
            .getMessage());
    assertTrue(
        assertThrows(
                IllegalArgumentException.class,
                () -> RewardApiConfig.fromMap(Map.of("endpoint", "http://x", "retries", 3)))
            .getMessage()
            .startsWith("reward_api.retries is not a known key"));
    assertEquals(
        "reward_api.endpoint must be an http:// or https:// URL, got 'ftp://x'",
        assertThrows(IllegalArgumentException.class, () -> RewardApiConfig.of("ftp://x"))
            .getMessage());
    assertEquals(
        "reward_api.verify_ssl must be true or false, got 'maybe'",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    RewardApiConfig.fromMap(Map.of("endpoint", "http://x", "verify_ssl", "maybe")))
            .getMessage());
  }

  @Test
  void apiKeyNeverPrinted() {
    RewardApiConfig c =
        RewardApiConfig.fromMap(Map.of("endpoint", "http://x/score", "api_key", "canary-9f8e"));
    assertFalse(c.toString().contains("canary-9f8e"), c.toString());
    assertFalse(Rewards.http(c).toString().contains("canary-9f8e"));
  }

  @Test
  void combinesWithShippedRewards() throws IOException {
    String url = serve(i -> new Reply(200, "{\"rewards\": [10, 20]}", 0));
    RewardSet set =
        new RewardConfig(
                List.of("exact_match"), List.of(1.0, 0.5), false, RewardApiConfig.of(url), null)
            .build(null);
    assertEquals(List.of("exact_match", "reward_api"), set.names());
    RewardScores s =
        set.score(
            List.of("q1", "q2"),
            List.of("<answer>3</answer>", "4"),
            List.of(Map.of("answer", "3"), Map.of("answer", "5")));
    assertArrayEquals(new double[] {2.0 + 5.0, 10.0}, s.total(), 1e-12);
  }
}
