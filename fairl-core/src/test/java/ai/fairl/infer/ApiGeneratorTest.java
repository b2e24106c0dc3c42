package ai.fairl.infer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class ApiGeneratorTest {
  private static final GenerationParams GREEDY = GenerationParams.greedy(50);

  static String modelFor(ApiProvider p) {
    return switch (p) {
      case OPENAI -> "gpt-4o-mini";
      case ANTHROPIC -> "claude-sonnet-4-5";
      case GOOGLE -> "gemini-2.5-flash";
      case HOSTED -> "meta-llama/Llama-3.2-3B-Instruct";
    };
  }

  static ApiGenerator client(FakeProvider s, String model, List<String> notices) {
    ApiSettings settings =
        ApiSettings.of(s.endpoint(model), model, s.provider, ApiKey.of(FakeProvider.KEY))
            .withConcurrency(4)
            .withRetries(3, Duration.ofMillis(20), Duration.ofMillis(200))
            .withTimeout(Duration.ofMillis(500));
    return new ApiGenerator(settings, notices::add);
  }

  @ParameterizedTest
  @EnumSource(ApiProvider.class)
  void answersEachPromptInOrderWithTokenCounts(ApiProvider p) throws Exception {
    try (FakeProvider s = FakeProvider.start(p);
        ApiGenerator g = client(s, modelFor(p), new ArrayList<>())) {
      List<Prompt> prompts = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        prompts.add(Prompt.chat(i % 2 == 0 ? "Be brief." : null, "question number " + i));
      }
      List<Completion> out = g.generate(prompts, new GenerationParams(0.7, 0.9, 64, true));
      assertEquals(10, out.size());
      for (int i = 0; i < 10; i++) {
        assertTrue(out.get(i).succeeded(), out.get(i).error());
        assertEquals("echo: question number " + i, out.get(i).text());
        assertEquals(3, out.get(i).promptTokens());
        assertEquals(4, out.get(i).completionTokens());
      }
      assertTrue(s.maxInFlight.get() <= 4, "at most api_concurrency requests at once");
    }
  }

  @Test
  void sendsEachProvidersDocumentedShape() throws Exception {
    try (FakeProvider s = FakeProvider.start(ApiProvider.GOOGLE);
        ApiGenerator g = client(s, "gemini-2.5-flash", new ArrayList<>())) {
      g.generate(List.of(Prompt.chat("sys", "hi")), new GenerationParams(0.5, 0.8, 7, true));
      JsonObject b = s.bodies.get(0);
      assertEquals(
          "sys",
          b.getAsJsonObject("systemInstruction")
              .getAsJsonArray("parts")
              .get(0)
              .getAsJsonObject()
              .get("text")
              .getAsString());
      assertEquals(7, b.getAsJsonObject("generationConfig").get("maxOutputTokens").getAsInt());
      assertEquals(0.8, b.getAsJsonObject("generationConfig").get("topP").getAsDouble(), 1e-9);
    }
    try (FakeProvider s = FakeProvider.start(ApiProvider.ANTHROPIC);
        ApiGenerator g = client(s, "claude-3-5-haiku-20241022", new ArrayList<>())) {
      g.generate(List.of(Prompt.chat("sys", "hi")), GREEDY);
      JsonObject b = s.bodies.get(0);
      assertEquals("sys", b.get("system").getAsString());
      assertEquals(50, b.get("max_tokens").getAsInt());
      assertEquals(0.0, b.get("temperature").getAsDouble());
    }
  }

  @Test
  void openAiReasoningModelsGetMaxCompletionTokensAndNoTemperature() throws Exception {
    for (String model : List.of("o3-mini", "gpt-5-mini")) {
      List<String> notices = new ArrayList<>();
      try (FakeProvider s = FakeProvider.start(ApiProvider.OPENAI);
          ApiGenerator g = client(s, model, notices)) {
        List<Completion> out =
            g.generate(
                List.of(Prompt.of("a"), Prompt.of("b")), new GenerationParams(0.2, 0.5, 9, true));
        assertTrue(out.get(0).succeeded(), out.get(0).error());
        JsonObject b = s.bodies.get(0);
        assertEquals(9, b.get("max_completion_tokens").getAsInt());
        assertFalse(b.has("max_tokens") || b.has("temperature") || b.has("top_p"));
        assertEquals(1, notices.size(), "the notice is given once: " + notices);
      }
    }
  }

  @Test
  void recentClaudeModelsNeverGetTemperatureAndTopPTogether() throws Exception {
    List<String> notices = new ArrayList<>();
    try (FakeProvider s = FakeProvider.start(ApiProvider.ANTHROPIC);
        ApiGenerator g = client(s, "claude-haiku-4-5", notices)) {
      List<Completion> out =
          g.generate(List.of(Prompt.of("a")), new GenerationParams(1.5, 0.9, 9, true));
      assertTrue(out.get(0).succeeded(), out.get(0).error());
      JsonObject b = s.bodies.get(0);
      assertEquals(1.0, b.get("temperature").getAsDouble());
      assertFalse(b.has("top_p"));
      assertEquals(2, notices.size(), String.valueOf(notices));
    }
  }

  @Test
  void theFakeServersAreStrict() throws Exception {
    // The fixtures must refuse what the real APIs refuse, or the tests above prove nothing.
    try (FakeProvider s = FakeProvider.start(ApiProvider.OPENAI)) {
      ApiSettings bad =
          ApiSettings.of(
              s.endpoint("o3-mini"), "o3-mini", ApiProvider.HOSTED, ApiKey.of(FakeProvider.KEY));
      HostedLlmHook legacy =
          new HostedLlmHook() {
            @Override
            public JsonObject buildRequest(Prompt p, GenerationParams g, String model) {
              JsonObject b = new JsonObject();
              b.addProperty("model", model);
              b.addProperty("max_tokens", 5);
              com.google.gson.JsonArray m = new com.google.gson.JsonArray();
              JsonObject u = new JsonObject();
              u.addProperty("role", "user");
              u.addProperty("content", p.user());
              m.add(u);
              b.add("messages", m);
              return b;
            }
          };
      try (ApiGenerator g = new ApiGenerator(bad.withHook(legacy), x -> {})) {
        Completion c = g.generate(List.of(Prompt.of("x")), GREEDY).get(0);
        assertFalse(c.succeeded());
        assertTrue(
            c.error().contains("HTTP 400") && c.error().contains("max_completion_tokens"),
            c.error());
      }
    }
    try (FakeProvider s = FakeProvider.start(ApiProvider.ANTHROPIC)) {
      ApiSettings st =
          ApiSettings.of(
                  s.endpoint("claude-sonnet-4-5"),
                  "claude-sonnet-4-5",
                  ApiProvider.HOSTED,
                  ApiKey.of(FakeProvider.KEY))
              .withHook(
                  new HostedLlmHook() {
                    @Override
                    public Map<String, String> headers(String key) {
                      return Map.of("x-api-key", key, "anthropic-version", "2023-06-01");
                    }

                    @Override
                    public JsonObject buildRequest(Prompt p, GenerationParams g, String model) {
                      JsonObject b = ApiWire.anthropic(model, p, g, x -> {});
                      b.addProperty("top_p", 0.9);
                      b.addProperty("temperature", 0.5);
                      return b;
                    }
                  });
      try (ApiGenerator g = new ApiGenerator(st, x -> {})) {
        Completion c = g.generate(List.of(Prompt.of("x")), GREEDY).get(0);
        assertTrue(c.error().contains("cannot both be specified"), c.error());
      }
    }
  }

  @ParameterizedTest
  @EnumSource(ApiProvider.class)
  void retriesRateLimitHonouringRetryAfter(ApiProvider p) throws Exception {
    try (FakeProvider s = FakeProvider.start(p);
        ApiGenerator g = client(s, modelFor(p), new ArrayList<>())) {
      s.faults.add(new FakeProvider.RateLimit(1));
      long t0 = System.nanoTime();
      Completion c = g.generate(List.of(Prompt.of("hello")), GREEDY).get(0);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertTrue(c.succeeded(), c.error());
      assertTrue(ms >= 950, "waited " + ms + " ms, Retry-After said 1 s");
      assertEquals(2, s.requests.get());
      assertEquals(1, g.retries());
    }
  }

  @ParameterizedTest
  @EnumSource(ApiProvider.class)
  void retriesServerErrorsTimeoutsAndMalformedJson(ApiProvider p) throws Exception {
    try (FakeProvider s = FakeProvider.start(p);
        ApiGenerator g = client(s, modelFor(p), new ArrayList<>())) {
      s.faults.add(new FakeProvider.ServerError(500));
      s.faults.add(new FakeProvider.Delay(900));
      s.faults.add(new FakeProvider.Malformed());
      Completion c = g.generate(List.of(Prompt.of("hello")), GREEDY).get(0);
      assertTrue(c.succeeded(), c.error());
      assertEquals("echo: hello", c.text());
      assertEquals(3, g.retries());
    }
  }

  @Test
  void aRowThatKeepsFailingIsRecordedWithTheLastError() throws Exception {
    try (FakeProvider s = FakeProvider.start(ApiProvider.OPENAI);
        ApiGenerator g = client(s, "gpt-4o-mini", new ArrayList<>())) {
      for (int i = 0; i < 4; i++) {
        s.faults.add(new FakeProvider.ServerError(503));
      }
      Completion c = g.generate(List.of(Prompt.of("hello")), GREEDY).get(0);
      assertFalse(c.succeeded());
      assertTrue(
          c.error().contains("gave up after 4 attempts") && c.error().contains("HTTP 503"),
          c.error());
    }
  }

  @ParameterizedTest
  @EnumSource(ApiProvider.class)
  void aWrongKeyStopsTheRunWithTheProvidersMessageAndNoSecret(ApiProvider p) throws Exception {
    try (FakeProvider s = FakeProvider.start(p)) {
      String model = modelFor(p);
      ApiSettings st = ApiSettings.of(s.endpoint(model), model, p, ApiKey.of("sk-wrong-SECRET"));
      try (ApiGenerator g = new ApiGenerator(st, x -> {})) {
        ApiException e =
            assertThrows(ApiException.class, () -> g.generate(List.of(Prompt.of("x")), GREEDY));
        assertTrue(e.getMessage().contains("HTTP 4"), e.getMessage());
        assertFalse(e.getMessage().contains("SECRET"), e.getMessage());
        if (p != ApiProvider.GOOGLE) {
          assertEquals(401, e.status());
        } else {
          assertTrue(e.getMessage().contains("API key not valid"), e.getMessage());
        }
      }
    }
  }

  @Test
  void anUnknownModelStopsTheRun() throws Exception {
    try (FakeProvider s = FakeProvider.start(ApiProvider.OPENAI);
        ApiGenerator g = client(s, "gpt-nope", new ArrayList<>())) {
      ApiException e =
          assertThrows(ApiException.class, () -> g.generate(List.of(Prompt.of("x")), GREEDY));
      assertEquals(404, e.status());
      assertTrue(e.getMessage().contains("`gpt-nope` does not exist"), e.getMessage());
    }
  }

  @Test
  void detectsProvidersFromEndpoints() {
    assertEquals(
        ApiProvider.OPENAI, ApiProvider.detect("https://api.openai.com/v1/chat/completions"));
    assertEquals(
        ApiProvider.OPENAI, ApiProvider.detect("https://my.openai.azure.com/openai/deployments/x"));
    assertEquals(
        ApiProvider.ANTHROPIC, ApiProvider.detect("https://api.anthropic.com/v1/messages"));
    assertEquals(
        ApiProvider.GOOGLE,
        ApiProvider.detect(
            "https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent"));
    assertEquals(
        ApiProvider.HOSTED, ApiProvider.detect("https://gateway.example.com/v1/chat/completions"));
    assertEquals(ApiProvider.GOOGLE, ApiProvider.named("Gemini"));
    assertThrows(IllegalArgumentException.class, () -> ApiProvider.named("bard"));
  }

  @Test
  void keysComeFromTheRecipeOrTheEnvironmentAndNeverShow() {
    Map<String, String> env = Map.of("GOOGLE_API_KEY", "g-secret", "MY_KEY", "m-secret");
    ApiKey k = ApiKey.resolve(null, ApiProvider.GOOGLE, env::get);
    assertEquals("g-secret", k.reveal());
    assertFalse(k.toString().contains("secret"));
    assertEquals("m-secret", ApiKey.resolve("${MY_KEY}", ApiProvider.OPENAI, env::get).reveal());
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ApiKey.resolve(null, ApiProvider.OPENAI, env::get));
    assertTrue(e.getMessage().contains("OPENAI_API_KEY"), e.getMessage());
    e =
        assertThrows(
            IllegalArgumentException.class,
            () -> ApiKey.resolve("<YOUR_API_KEY>", ApiProvider.ANTHROPIC, env::get));
    assertTrue(e.getMessage().contains("ANTHROPIC_API_KEY"), e.getMessage());
    assertNull(ApiGenerator.retryAfter(new FakeResponse(null)));
    assertEquals(2000, ApiGenerator.retryAfter(new FakeResponse("2")).toMillis());
  }
}
