package ai.fairl.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.fairl.infer.ApiKey;
import ai.fairl.infer.ApiProvider;
import ai.fairl.infer.ApiSettings;
import ai.fairl.infer.GenerationParams;
import ai.fairl.infer.LocalGenerator;
import ai.fairl.infer.Prompt;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The local OpenAI-compatible endpoint answers with the model it serves (the same text as calling
 * the model directly) and refuses requests the way the Chat Completions API does.
 */
class LocalOpenAiServerTest {
  static final String KEY = "local-test-key";
  static LocalGenerator model;
  static LocalOpenAiServer server;
  static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws Exception {
    model = LocalGenerator.open("tiny:llama", 1, 42);
    server = LocalOpenAiServer.start(model, "tiny:llama", KEY);
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (model != null) {
      model.close();
    }
  }

  static HttpResponse<String> post(String key, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(server.chatCompletionsUrl()))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (key != null) {
      b.header("Authorization", "Bearer " + key);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  static JsonObject error(HttpResponse<String> r) {
    JsonObject e = JsonParser.parseString(r.body()).getAsJsonObject().getAsJsonObject("error");
    assertTrue(e.has("message") && e.has("type") && e.has("param") && e.has("code"), r.body());
    return e;
  }

  @Test
  void answersWithTheServedModelsOwnGreedyText() throws Exception {
    String direct =
        model
            .generate(List.of(Prompt.of("What is 2 + 3?")), GenerationParams.greedy(8))
            .get(0)
            .text();
    HttpResponse<String> r =
        post(
            KEY,
            "{\"model\":\"tiny:llama\",\"messages\":[{\"role\":\"user\",\"content\":\"What is 2 +"
                + " 3?\"}],\"max_tokens\":8,\"temperature\":0}");
    assertEquals(200, r.statusCode(), r.body());
    JsonObject o = JsonParser.parseString(r.body()).getAsJsonObject();
    assertEquals("chat.completion", o.get("object").getAsString());
    assertEquals("tiny:llama", o.get("model").getAsString());
    JsonObject choice = o.getAsJsonArray("choices").get(0).getAsJsonObject();
    assertEquals(direct, choice.getAsJsonObject("message").get("content").getAsString());
    assertEquals("assistant", choice.getAsJsonObject("message").get("role").getAsString());
    JsonObject usage = o.getAsJsonObject("usage");
    assertEquals(
        usage.get("prompt_tokens").getAsInt() + usage.get("completion_tokens").getAsInt(),
        usage.get("total_tokens").getAsInt());
    assertTrue(usage.get("completion_tokens").getAsInt() <= 8, r.body());
  }

  @Test
  void ourOwnApiClientReadsItsAnswers() throws Exception {
    // the hosted-endpoint client of ai.fairl.infer, as an inference recipe with provider: default
    var settings =
        ApiSettings.of(
            server.chatCompletionsUrl(), "tiny:llama", ApiProvider.HOSTED, ApiKey.of(KEY));
    try (var client = new ai.fairl.infer.ApiGenerator(settings)) {
      var c = client.generate(List.of(Prompt.of("What is 4 + 4?")), GenerationParams.greedy(6));
      String direct =
          model
              .generate(List.of(Prompt.of("What is 4 + 4?")), GenerationParams.greedy(6))
              .get(0)
              .text();
      assertTrue(c.get(0).succeeded(), String.valueOf(c.get(0).error()));
      assertEquals(direct, c.get(0).text());
    }
  }

  @Test
  void refusesAWrongOrMissingKey() throws Exception {
    String body =
        "{\"model\":\"tiny:llama\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    HttpResponse<String> wrong = post("not-the-key", body);
    assertEquals(401, wrong.statusCode());
    assertEquals("invalid_api_key", error(wrong).get("code").getAsString());
    HttpResponse<String> none = post(null, body);
    assertEquals(401, none.statusCode());
    assertTrue(error(none).get("message").getAsString().contains("didn't provide an API key"));
  }

  @Test
  void refusesRequestsTheApiWouldRefuse() throws Exception {
    HttpResponse<String> noMessages = post(KEY, "{\"model\":\"tiny:llama\"}");
    assertEquals(400, noMessages.statusCode());
    assertEquals("messages", error(noMessages).get("param").getAsString());

    HttpResponse<String> otherModel =
        post(KEY, "{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
    assertEquals(404, otherModel.statusCode());
    assertEquals("model_not_found", error(otherModel).get("code").getAsString());

    HttpResponse<String> history =
        post(
            KEY,
            "{\"model\":\"tiny:llama\",\"messages\":[{\"role\":\"user\",\"content\":\"a\"},"
                + "{\"role\":\"assistant\",\"content\":\"b\"},{\"role\":\"user\",\"content\":\"c\"}]}");
    assertEquals(400, history.statusCode());
    assertEquals("messages[1].role", error(history).get("param").getAsString());

    HttpResponse<String> hot =
        post(
            KEY,
            "{\"model\":\"tiny:llama\",\"temperature\":3,\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}");
    assertEquals(400, hot.statusCode());
    assertEquals("temperature", error(hot).get("param").getAsString());

    HttpResponse<String> stream =
        post(
            KEY,
            "{\"model\":\"tiny:llama\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"a\"}]}");
    assertEquals(400, stream.statusCode());

    HttpResponse<String> notJson = post(KEY, "{model:");
    assertEquals(400, notJson.statusCode());
    assertTrue(server.refused() >= 6);
  }

  @Test
  void listsTheServedModel() throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(server.baseUrl() + "/models"))
                .header("Authorization", "Bearer " + KEY)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertEquals(
        "tiny:llama",
        JsonParser.parseString(r.body())
            .getAsJsonObject()
            .getAsJsonArray("data")
            .get(0)
            .getAsJsonObject()
            .get("id")
            .getAsString());
  }
}
