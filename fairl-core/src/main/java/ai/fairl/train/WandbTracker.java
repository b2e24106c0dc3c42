package ai.fairl.train;

import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Logs a run to Weights &amp; Biases through its public HTTP API, without the Python client. The
 * requests follow the open-source wandb client (wandb/wandb: {@code
 * wandb/sdk/internal/internal_api.py} for the GraphQL {@code UpsertBucket} mutation and {@code
 * Viewer} query, {@code wandb/sdk/internal/file_stream.py} for the {@code file_stream} payloads);
 * the fixtures under {@code src/test/resources/wandb/} pin them.
 *
 * <ol>
 *   <li>{@code POST <base_url>/graphql} {@code Viewer} (only when no entity is configured) and
 *       {@code UpsertBucket} (creates the run: {@code name}, {@code modelName} = project, {@code
 *       entityName}, {@code displayName}, {@code tags}, {@code config} as a JSON string);
 *   <li>{@code POST <base_url>/files/<entity>/<project>/<run>/file_stream} with {@code {"files":
 *       {"wandb-history.jsonl": {"offset": n, "content": [row]}}}} per logging step (keys as HF's
 *       W&amp;B callback: {@code train/loss}, {@code train/learning_rate}, {@code eval/loss}, ...),
 *       then {@code wandb-summary.json} and {@code {"complete": true, "exitcode": 0|1}}.
 * </ol>
 *
 * Authentication is HTTP Basic {@code api:<key>}. No key, or any failure to reach the server: one
 * warning ending in "training will proceed without experiment tracking", and the run goes on. The
 * key is never printed, logged or written.
 *
 * <p>Simplified: requests are sent synchronously at each logging step (no background batching or
 * retries), no system metrics, no console log upload.
 */
public final class WandbTracker implements TrainListener {
  static final String NO_TRACKING = "training will proceed without experiment tracking";

  private final String baseUrl;
  private final String project;
  private final String configuredEntity;
  private final String displayName;
  private final List<String> tags;
  private final Map<String, Object> config;
  private final String auth; // "Basic ..." or null without a key
  private final PrintStream warnings;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final Gson gson = new Gson();
  private boolean active;
  private String entity;
  private String runId;
  private int historyLines;
  private long startMillis;
  private final Map<String, Object> summary = new LinkedHashMap<>();

  /**
   * @param apiKey the key, or null (then the tracker only warns once)
   * @param config the resolved recipe as W&amp;B config (secrets already masked)
   */
  public WandbTracker(
      String baseUrl,
      String project,
      String entity,
      String name,
      List<String> tags,
      String apiKey,
      Map<String, Object> config,
      PrintStream warnings) {
    this.baseUrl = (baseUrl == null ? "https://api.wandb.ai" : baseUrl).replaceAll("/+$", "");
    this.project = project == null ? "rl" : project;
    this.configuredEntity = entity;
    this.displayName = name;
    this.tags = tags == null ? List.of() : List.copyOf(tags);
    this.config = config == null ? Map.of() : config;
    this.auth =
        apiKey == null || apiKey.isBlank()
            ? null
            : "Basic "
                + Base64.getEncoder()
                    .encodeToString(("api:" + apiKey).getBytes(StandardCharsets.UTF_8));
    this.warnings = warnings;
  }

  /** The run id on the server once started, else null. */
  public String runId() {
    return active ? runId : null;
  }

  @Override
  public void onStart(RunInfo run) {
    if (auth == null) {
      warnings.println(
          "W&B: no API key (set wandb.api_key, WANDB_API_KEY or run `wandb login`); "
              + NO_TRACKING);
      return;
    }
    startMillis = System.currentTimeMillis();
    try {
      entity = configuredEntity;
      if (entity == null || entity.isBlank()) {
        JsonObject data =
            graphql("query Viewer {\n  viewer {\n    id\n    entity\n  }\n}", new JsonObject());
        JsonElement e = data.getAsJsonObject("viewer").get("entity");
        entity = e == null || e.isJsonNull() ? null : e.getAsString();
        if (entity == null) {
          throw new IOException("the server did not return a default entity; set wandb.entity");
        }
      }
      runId = newRunId();
      JsonObject vars = new JsonObject();
      vars.addProperty("name", runId);
      vars.addProperty("project", project);
      vars.addProperty("entity", entity);
      if (displayName != null) {
        vars.addProperty("displayName", displayName);
      }
      JsonArray t = new JsonArray();
      tags.forEach(t::add);
      vars.add("tags", t);
      JsonObject cfg = new JsonObject();
      config.forEach(
          (k, v) -> {
            JsonObject wrapped = new JsonObject();
            wrapped.add("value", gson.toJsonTree(v));
            cfg.add(k, wrapped);
          });
      vars.addProperty("config", cfg.toString());
      vars.addProperty("jobType", run.algorithm());
      JsonObject data = graphql(UPSERT_BUCKET, vars);
      JsonObject bucket = data.getAsJsonObject("upsertBucket").getAsJsonObject("bucket");
      runId = bucket.get("name").getAsString();
      active = true;
    } catch (IOException | RuntimeException e) {
      warn(e);
    }
  }

  static final String UPSERT_BUCKET =
      "mutation UpsertBucket(\n"
          + "  $id: String, $name: String, $project: String, $entity: String,\n"
          + "  $displayName: String, $tags: [String!], $config: JSONString, $jobType: String\n"
          + ") {\n"
          + "  upsertBucket(input: {\n"
          + "    id: $id, name: $name, modelName: $project, entityName: $entity,\n"
          + "    displayName: $displayName, tags: $tags, config: $config, jobType: $jobType\n"
          + "  }) {\n"
          + "    bucket { id name displayName project { id name entity { id name } } }\n"
          + "    inserted\n"
          + "  }\n"
          + "}";

  @Override
  public void onStep(int step, double epoch, Map<String, Double> metrics) {
    Map<String, Double> row = new LinkedHashMap<>();
    metrics.forEach((k, v) -> row.put("train/" + k, v));
    row.put("train/epoch", epoch);
    row.put("train/global_step", (double) step);
    history(step, row);
  }

  @Override
  public void onEval(int step, Map<String, Double> metrics) {
    Map<String, Double> row = new LinkedHashMap<>();
    metrics.forEach((k, v) -> row.put("eval/" + (k.startsWith("eval_") ? k.substring(5) : k), v));
    row.put("train/global_step", (double) step);
    history(step, row);
  }

  private void history(int step, Map<String, Double> row) {
    if (!active) {
      return;
    }
    JsonObject line = new JsonObject();
    row.forEach(
        (k, v) -> {
          if (v != null && Double.isFinite(v)) {
            line.addProperty(k, v);
            summary.put(k, v);
          }
        });
    line.addProperty("_step", historyLines);
    double now = System.currentTimeMillis() / 1000.0;
    line.addProperty("_runtime", now - startMillis / 1000.0);
    line.addProperty("_timestamp", now);
    JsonObject file = new JsonObject();
    file.addProperty("offset", historyLines);
    JsonArray content = new JsonArray();
    content.add(line.toString());
    file.add("content", content);
    JsonObject files = new JsonObject();
    files.add("wandb-history.jsonl", file);
    JsonObject body = new JsonObject();
    body.add("files", files);
    try {
      fileStream(body);
      historyLines++;
    } catch (IOException | RuntimeException e) {
      warn(e);
    }
  }

  @Override
  public void onEnd(EndInfo end) {
    if (!active) {
      return;
    }
    try {
      JsonObject file = new JsonObject();
      file.addProperty("offset", 0);
      JsonArray content = new JsonArray();
      content.add(gson.toJson(summary));
      file.add("content", content);
      JsonObject files = new JsonObject();
      files.add("wandb-summary.json", file);
      JsonObject body = new JsonObject();
      body.add("files", files);
      fileStream(body);
      JsonObject done = new JsonObject();
      done.addProperty("complete", true);
      done.addProperty("exitcode", end.reason().equals("failed") ? 1 : 0);
      fileStream(done);
    } catch (IOException | RuntimeException e) {
      warn(e);
    }
    active = false;
  }

  private void warn(Exception e) {
    active = false;
    String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    warnings.println("W&B: " + msg + " (" + baseUrl + "); " + NO_TRACKING);
  }

  private JsonObject graphql(String query, JsonObject variables) throws IOException {
    JsonObject body = new JsonObject();
    body.addProperty("query", query);
    body.add("variables", variables);
    JsonObject res = JsonParser.parseString(post(baseUrl + "/graphql", body)).getAsJsonObject();
    if (res.has("errors")
        && res.get("errors").isJsonArray()
        && res.getAsJsonArray("errors").size() > 0) {
      JsonObject first = res.getAsJsonArray("errors").get(0).getAsJsonObject();
      throw new IOException("GraphQL error: " + first.get("message").getAsString());
    }
    return res.getAsJsonObject("data");
  }

  private void fileStream(JsonObject body) throws IOException {
    post(baseUrl + "/files/" + entity + "/" + project + "/" + runId + "/file_stream", body);
  }

  private String post(String url, JsonObject body) throws IOException {
    HttpRequest req =
        HttpRequest.newBuilder(URI.create(url))
            .timeout(Duration.ofSeconds(10))
            .header("Authorization", auth)
            .header("Content-Type", "application/json")
            .header("User-Agent", "fairl-java")
            .POST(HttpRequest.BodyPublishers.ofString(body.toString(), StandardCharsets.UTF_8))
            .build();
    try {
      HttpResponse<String> res = http.send(req, HttpResponse.BodyHandlers.ofString());
      if (res.statusCode() == 401 || res.statusCode() == 403) {
        throw new IOException("the server rejected the API key (HTTP " + res.statusCode() + ")");
      }
      if (res.statusCode() / 100 != 2) {
        throw new IOException("HTTP " + res.statusCode() + " from " + URI.create(url).getPath());
      }
      return res.body();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (IllegalArgumentException e) {
      throw new IOException("bad W&B URL " + url, e);
    } catch (java.net.ConnectException e) {
      throw new IOException("cannot connect", e);
    }
  }

  private static String newRunId() {
    String alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
    SecureRandom r = new SecureRandom();
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      b.append(alphabet.charAt(r.nextInt(alphabet.length())));
    }
    return b.toString();
  }
}
