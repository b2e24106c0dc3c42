package ai.fairl.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.fairl.train.sft.SftObjective;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrackingTest {
  static final String KEY = "local-canary-0123456789abcdef0123456789abcdef";

  static String fixture(String name) throws IOException {
    try (InputStream in = TrackingTest.class.getResourceAsStream("/wandb/" + name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** A local W&B that checks auth and the request shapes of the fixtures. */
  static final class FakeWandb implements AutoCloseable {
    final HttpServer server;
    final List<JsonObject> graphql = new ArrayList<>();
    final List<JsonObject> streamed = new ArrayList<>();
    final List<String> paths = new ArrayList<>();
    final List<String> problems = new ArrayList<>();

    FakeWandb() throws IOException {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext("/", this::handle);
      server.start();
    }

    String url() {
      return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
      String expected =
          "Basic "
              + Base64.getEncoder().encodeToString(("api:" + KEY).getBytes(StandardCharsets.UTF_8));
      if (!expected.equals(ex.getRequestHeaders().getFirst("Authorization"))) {
        reply(ex, 401, "{\"errors\":[{\"message\":\"unauthorized\"}]}");
        return;
      }
      JsonObject body =
          JsonParser.parseString(
                  new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8))
              .getAsJsonObject();
      String path = ex.getRequestURI().getPath();
      paths.add(path);
      if (path.equals("/graphql")) {
        graphql.add(body);
        String q = body.get("query").getAsString();
        if (q.startsWith("query Viewer")) {
          reply(ex, 200, fixture("viewer_response.json"));
        } else if (q.startsWith("mutation UpsertBucket")
            && q.contains("modelName: $project")
            && q.contains("entityName: $entity")
            && body.getAsJsonObject("variables").get("config").isJsonPrimitive()) {
          String name = body.getAsJsonObject("variables").get("name").getAsString();
          reply(ex, 200, fixture("upsert_bucket_response.json").replace("NAME", name));
        } else {
          problems.add("unexpected GraphQL " + q);
          reply(ex, 400, "{}");
        }
      } else if (path.matches("/files/fixture-team/rl/[a-z0-9]{8}/file_stream")) {
        boolean ok =
            body.has("files")
                ? body.getAsJsonObject("files").entrySet().stream()
                    .allMatch(
                        e ->
                            e.getValue().getAsJsonObject().has("offset")
                                && e.getValue().getAsJsonObject().get("content").isJsonArray())
                : body.has("complete") && body.has("exitcode");
        if (!ok) {
          problems.add("bad file_stream body " + body);
        }
        streamed.add(body);
        reply(ex, 200, "{}");
      } else {
        problems.add("unexpected path " + path);
        reply(ex, 404, "{}");
      }
    }

    private static void reply(HttpExchange ex, int code, String body) throws IOException {
      byte[] b = body.getBytes(StandardCharsets.UTF_8);
      ex.sendResponseHeaders(code, b.length);
      ex.getResponseBody().write(b);
      ex.close();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  static TrainResult train(Path out, List<TrainListener> listeners) throws IOException {
    List<long[]> rows = Bigram.data(16, 16, 1);
    try (Bigram m = new Bigram(16, 2)) {
      ListSource<long[], TokenBatch> src =
          new ListSource<>(rows, 4, Bigram::collate, 3, true, false);
      ListSource<long[], TokenBatch> eval =
          new ListSource<>(Bigram.data(8, 16, 9), 4, Bigram::collate, 3, false, false);
      TrainConfig c =
          TrainConfig.builder(out)
              .algorithm("sft")
              .learningRate(0.05)
              .warmupSteps(0)
              .gradientAccumulationSteps(1)
              .maxSteps(4)
              .loggingSteps(2)
              .saveSteps(2)
              .evalSteps(2)
              .build();
      return new TrainLoop(c, listeners, null)
          .run(new TrainTask<>(new SftObjective(m), m, src, eval));
    }
  }

  @Test
  void metricsChartConsoleAndWandbAgainstALocalServer(@TempDir Path out) throws Exception {
    ByteArrayOutputStream console = new ByteArrayOutputStream();
    PrintStream ps = new PrintStream(console, true, StandardCharsets.UTF_8);
    try (FakeWandb w = new FakeWandb()) {
      WandbTracker tracker =
          new WandbTracker(
              w.url(),
              "rl",
              null,
              "tiny-sft",
              List.of("sft"),
              KEY,
              Map.of("learning_rate", 0.05),
              ps);
      train(
          out,
          List.of(new MetricsJsonl(), new LossChart(), new ConsoleProgress(ps, false), tracker));
      assertEquals(List.of(), w.problems);
      assertEquals(2, w.graphql.size(), "Viewer, then UpsertBucket");
      // 2 logging steps + 2 evals + summary + complete
      assertEquals(6, w.streamed.size());
      JsonObject first =
          w.streamed.get(0).getAsJsonObject("files").getAsJsonObject("wandb-history.jsonl");
      assertEquals(0, first.get("offset").getAsInt());
      JsonObject row =
          JsonParser.parseString(first.getAsJsonArray("content").get(0).getAsString())
              .getAsJsonObject();
      assertTrue(
          row.has("train/loss") && row.has("train/learning_rate") && row.has("_step"),
          row.toString());
      assertEquals(JsonParser.parseString(fixture("file_stream_complete.json")), w.streamed.get(5));
    }
    List<String> lines = Files.readAllLines(out.resolve(MetricsJsonl.FILE));
    assertEquals(4, lines.size(), String.join("\n", lines)); // steps 2, 4 and evals at 2, 4
    JsonObject step2 = JsonParser.parseString(lines.get(0)).getAsJsonObject();
    for (String k :
        List.of("step", "epoch", "loss", "grad_norm", "learning_rate", "mean_token_accuracy")) {
      assertTrue(step2.has(k), k + " in " + step2);
    }
    assertTrue(JsonParser.parseString(lines.get(1)).getAsJsonObject().has("eval_loss"));
    assertTrue(Files.size(out.resolve(LossChart.FILE)) > 1000, "chart PNG written");
    String text = console.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("step 2/4 loss"), text);
    assertTrue(text.contains("ETA"), text);
    assertFalse(text.contains(KEY), "API key printed");
    try (Stream<Path> files = Files.walk(out)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        assertFalse(
            new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1).contains(KEY),
            "API key in " + f);
      }
    }
  }

  @Test
  void noKeyOrNoServerWarnsOnceAndTrainingGoesOn(@TempDir Path out) throws Exception {
    for (String key : new String[] {null, KEY}) {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8);
      // Port 9 (discard) on localhost is closed: connection refused.
      WandbTracker t =
          new WandbTracker("http://127.0.0.1:9", "rl", null, null, null, key, null, ps);
      TrainResult r = train(out.resolve(key == null ? "nokey" : "noserver"), List.of(t));
      assertEquals("completed", r.reason());
      String text = buf.toString(StandardCharsets.UTF_8);
      assertEquals(1, text.lines().count(), text);
      assertTrue(text.contains(WandbTracker.NO_TRACKING), text);
      assertFalse(text.contains(KEY));
    }
  }
}
