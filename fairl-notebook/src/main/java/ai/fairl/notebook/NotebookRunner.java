package ai.fairl.notebook;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Runs a notebook headless with papermill's conventions, in Java (no Python): parameters go into an
 * {@code injected-parameters} cell after the cell tagged {@code parameters} (replacing an earlier
 * one); {@code metadata.papermill} is written for the notebook and every cell; the output notebook
 * is saved before and after every cell; the run stops at the first error, adds papermill's two
 * error-marker cells, saves, and returns exit code 1.
 *
 * <p>Simplified against papermill: no autosave during a long cell (saves happen at cell
 * boundaries), no stdin, no {@code --report-mode}/{@code --prepare-only}, one kernel per run.
 */
public final class NotebookRunner {
  static final String ERROR_TAG = "papermill-error-cell-tag";
  private static final String ERROR_STYLE =
      "color:red; font-family:Helvetica Neue, Helvetica, Arial, sans-serif; font-size:2em;";

  /** How to run: the kernel argv ({@code {connection_file}} placeholder), parameters, cwd. */
  public record Options(
      Path input,
      Path output,
      Map<String, Object> parameters,
      Path cwd,
      boolean logOutput,
      List<String> kernelArgv,
      Map<String, String> kernelEnv,
      Duration startTimeout,
      Duration cellTimeout) {
    public Options {
      parameters = new LinkedHashMap<>(parameters);
      kernelArgv = List.copyOf(kernelArgv);
      kernelEnv = Map.copyOf(kernelEnv);
    }
  }

  /** The result of a run. {@code failedCell} is -1 when every cell succeeded. */
  public record Result(int exitCode, int failedCell, String error) {}

  private NotebookRunner() {}

  public static Result run(Options o, PrintStream log) throws IOException {
    JsonObject nb = NotebookJson.read(o.input());
    JsonObject pm = new JsonObject();
    Instant start = Instant.now();
    pm.addProperty("input_path", o.input().toString());
    pm.addProperty("output_path", o.output().toString());
    pm.add("parameters", gsonTree(o.parameters()));
    pm.add("default_parameters", new JsonObject());
    pm.add("environment_variables", new JsonObject());
    pm.addProperty("version", "fairl-" + ai.fairl.Fairl.version());
    pm.addProperty("start_time", start.toString());
    pm.add("end_time", JsonNull.INSTANCE);
    pm.add("duration", JsonNull.INSTANCE);
    pm.addProperty("exception", (Boolean) null);
    metadata(nb).add("papermill", pm);

    parameterize(nb, o.parameters(), log);
    for (JsonObject cell : NotebookJson.cells(nb)) {
      JsonObject cpm = new JsonObject();
      cpm.add("exception", JsonNull.INSTANCE);
      cpm.add("start_time", JsonNull.INSTANCE);
      cpm.add("end_time", JsonNull.INSTANCE);
      cpm.add("duration", JsonNull.INSTANCE);
      cpm.addProperty("status", "pending");
      metadata(cell).add("papermill", cpm);
      if ("code".equals(cell.get("cell_type").getAsString())) {
        cell.add("outputs", new JsonArray());
        cell.add("execution_count", JsonNull.INSTANCE);
      }
    }
    NotebookJson.write(nb, o.output());

    int failed = -1;
    String error = null;
    Map<String, String> env = new LinkedHashMap<>(o.kernelEnv());
    Map<String, List<JsonObject>> displays = new java.util.HashMap<>();
    try (KernelClient kernel = KernelClient.start(o.kernelArgv(), o.cwd(), env, o.startTimeout())) {
      JsonObject info = kernel.kernelInfo(Duration.ofSeconds(10));
      if (info.has("language_info")) {
        metadata(nb).add("language_info", info.get("language_info"));
      }
      List<JsonObject> cells = NotebookJson.cells(nb);
      for (int i = 0; i < cells.size(); i++) {
        JsonObject cell = cells.get(i);
        if (!"code".equals(cell.get("cell_type").getAsString())) {
          continue;
        }
        String code = NotebookJson.text(cell.get("source"));
        JsonObject cpm = metadata(cell).getAsJsonObject("papermill");
        Instant t0 = Instant.now();
        cpm.addProperty("start_time", t0.toString());
        cpm.addProperty("status", "running");
        NotebookJson.write(nb, o.output());
        if (o.logOutput()) {
          log.println("Executing cell " + (i + 1) + " of " + cells.size());
        }
        JsonArray outputs = cell.getAsJsonArray("outputs");
        KernelClient.Reply reply;
        try {
          reply =
              kernel.execute(
                  code,
                  o.cellTimeout(),
                  m -> addOutput(displays, outputs, m, o.logOutput() ? log : null));
        } catch (KernelClient.KernelTimeoutException | KernelClient.KernelDiedException e) {
          JsonObject err = new JsonObject();
          err.addProperty("output_type", "error");
          err.addProperty(
              "ename",
              e instanceof KernelClient.KernelDiedException
                  ? "DeadKernelError"
                  : "CellTimeoutError");
          err.addProperty("evalue", e.getMessage());
          err.add("traceback", NotebookJson.lines(e.getMessage()));
          outputs.add(err);
          reply = null;
          error = err.get("ename").getAsString() + ": " + e.getMessage();
        }
        Instant t1 = Instant.now();
        cpm.addProperty("end_time", t1.toString());
        cpm.addProperty("duration", Duration.between(t0, t1).toMillis() / 1000.0);
        if (reply != null && reply.content().has("execution_count")) {
          cell.add("execution_count", reply.content().get("execution_count"));
        }
        if (reply == null || !"ok".equals(reply.status())) {
          cpm.addProperty("status", "failed");
          cpm.addProperty("exception", true);
          if (error == null) {
            error =
                reply.content().has("ename")
                    ? reply.content().get("ename").getAsString()
                        + ": "
                        + reply.content().get("evalue").getAsString()
                    : "cell failed";
          }
          failed = i;
          markError(nb, i, cell);
          break;
        }
        cpm.addProperty("status", "completed");
        cpm.addProperty("exception", false);
        NotebookJson.write(nb, o.output());
      }
    } catch (IllegalStateException e) {
      error = e.getMessage();
      pm.addProperty("exception", true);
      finish(pm, start, o, nb);
      return new Result(138, -1, "kernel: " + error);
    }
    pm.addProperty("exception", failed >= 0);
    finish(pm, start, o, nb);
    return failed >= 0 ? new Result(1, failed, error) : new Result(0, -1, null);
  }

  private static void finish(JsonObject pm, Instant start, Options o, JsonObject nb)
      throws IOException {
    Instant end = Instant.now();
    pm.addProperty("end_time", end.toString());
    pm.addProperty("duration", Duration.between(start, end).toMillis() / 1000.0);
    NotebookJson.write(nb, o.output());
  }

  static JsonObject metadata(JsonObject o) {
    if (!o.has("metadata") || !o.get("metadata").isJsonObject()) {
      o.add("metadata", new JsonObject());
    }
    return o.getAsJsonObject("metadata");
  }

  /** Inserts or replaces the injected-parameters cell (papermill's parameterize_notebook). */
  static void parameterize(JsonObject nb, Map<String, Object> params, PrintStream log) {
    if (params.isEmpty()) {
      return;
    }
    JsonArray cells = nb.getAsJsonArray("cells");
    int paramsAt = -1;
    for (int i = 0; i < cells.size(); i++) {
      if (NotebookJson.tags(cells.get(i).getAsJsonObject()).contains("parameters")) {
        paramsAt = i;
        break;
      }
    }
    String declared =
        paramsAt < 0 ? "" : NotebookJson.text(cells.get(paramsAt).getAsJsonObject().get("source"));
    Map<String, String> types = Parameters.declaredTypes(declared);
    for (String name : params.keySet()) {
      if (paramsAt >= 0 && !types.containsKey(name)) {
        log.println("Passed unknown parameter: " + name);
      }
    }
    JsonObject cell = new JsonObject();
    cell.addProperty("cell_type", "code");
    cell.addProperty("id", UUID.randomUUID().toString().substring(0, 8));
    cell.add("execution_count", JsonNull.INSTANCE);
    JsonObject md = new JsonObject();
    JsonArray tags = new JsonArray();
    tags.add("injected-parameters");
    md.add("tags", tags);
    cell.add("metadata", md);
    cell.add("outputs", new JsonArray());
    cell.add("source", NotebookJson.lines(Parameters.codify(params, types)));
    int existing = -1;
    for (int i = 0; i < cells.size(); i++) {
      if (NotebookJson.tags(cells.get(i).getAsJsonObject()).contains("injected-parameters")) {
        existing = i;
        break;
      }
    }
    if (existing >= 0) {
      cells.set(existing, cell);
    } else if (paramsAt >= 0) {
      insert(cells, paramsAt + 1, cell);
    } else {
      log.println("Input notebook does not contain a cell with tag 'parameters'");
      insert(cells, 0, cell);
    }
  }

  private static void insert(JsonArray cells, int at, JsonElement cell) {
    JsonArray copy = new JsonArray();
    for (int i = 0; i < cells.size(); i++) {
      if (i == at) {
        copy.add(cell);
      }
      copy.add(cells.get(i));
    }
    if (at >= cells.size()) {
      copy.add(cell);
    }
    while (cells.size() > 0) {
      cells.remove(0);
    }
    cells.addAll(copy);
  }

  private static void markError(JsonObject nb, int index, JsonObject cell) {
    JsonArray cells = nb.getAsJsonArray("cells");
    String count =
        cell.get("execution_count").isJsonNull() ? "?" : cell.get("execution_count").getAsString();
    JsonObject anchor =
        markdown(
            "<span id=\"papermill-error-cell\" style=\""
                + ERROR_STYLE
                + "\">Execution using papermill encountered an exception here and stopped:</span>");
    insert(cells, index, anchor);
    JsonObject top =
        markdown(
            "<span style=\""
                + ERROR_STYLE
                + "\">An Exception was encountered at '<a href=\"#papermill-error-cell\">In ["
                + count
                + "]</a>'.</span>");
    insert(cells, 0, top);
  }

  private static JsonObject markdown(String text) {
    JsonObject c = new JsonObject();
    c.addProperty("cell_type", "markdown");
    c.addProperty("id", UUID.randomUUID().toString().substring(0, 8));
    JsonObject md = new JsonObject();
    JsonArray tags = new JsonArray();
    tags.add(ERROR_TAG);
    md.add("tags", tags);
    c.add("metadata", md);
    c.add("source", NotebookJson.lines(text));
    return c;
  }

  /** Turns one IOPub message into notebook outputs, as nbclient does. */
  static void addOutput(
      Map<String, List<JsonObject>> displays, JsonArray outputs, JsonObject msg, PrintStream log) {
    String type = KernelClient.type(msg);
    JsonObject content = msg.getAsJsonObject("content");
    switch (type) {
      case "stream" -> {
        String name = content.get("name").getAsString();
        String text = content.get("text").getAsString();
        if (log != null) {
          log.print(text);
        }
        JsonObject last =
            outputs.isEmpty() ? null : outputs.get(outputs.size() - 1).getAsJsonObject();
        if (last != null
            && "stream".equals(last.get("output_type").getAsString())
            && name.equals(last.get("name").getAsString())) {
          last.add("text", NotebookJson.lines(NotebookJson.text(last.get("text")) + text));
        } else {
          JsonObject o = new JsonObject();
          o.addProperty("output_type", "stream");
          o.addProperty("name", name);
          o.add("text", NotebookJson.lines(text));
          outputs.add(o);
        }
      }
      case "display_data", "execute_result" -> {
        JsonObject o = new JsonObject();
        o.addProperty("output_type", type);
        o.add("data", data(content.getAsJsonObject("data")));
        o.add("metadata", content.has("metadata") ? content.get("metadata") : new JsonObject());
        if (type.equals("execute_result")) {
          o.add("execution_count", content.get("execution_count"));
        }
        String id = displayId(content);
        if (id != null) {
          displays.computeIfAbsent(id, k -> new java.util.ArrayList<>()).add(o);
        }
        if (log != null && content.getAsJsonObject("data").has("text/plain")) {
          log.println(NotebookJson.text(content.getAsJsonObject("data").get("text/plain")));
        }
        outputs.add(o);
      }
      case "update_display_data" -> {
        String id = displayId(content);
        if (id == null) {
          return;
        }
        for (JsonObject out : displays.getOrDefault(id, List.of())) {
          out.add("data", data(content.getAsJsonObject("data")));
          out.add("metadata", content.has("metadata") ? content.get("metadata") : new JsonObject());
        }
      }
      case "error" -> {
        JsonObject o = new JsonObject();
        o.addProperty("output_type", "error");
        o.add("ename", content.get("ename"));
        o.add("evalue", content.get("evalue"));
        o.add("traceback", content.get("traceback"));
        if (log != null) {
          log.println(
              content.get("ename").getAsString() + ": " + content.get("evalue").getAsString());
        }
        outputs.add(o);
      }
      case "clear_output" -> {
        while (outputs.size() > 0) {
          outputs.remove(0);
        }
      }
      default -> {
        // status, execute_input, comm messages: not outputs
      }
    }
  }

  private static String displayId(JsonObject content) {
    if (content.has("transient") && content.get("transient").isJsonObject()) {
      JsonElement id = content.getAsJsonObject("transient").get("display_id");
      return id == null || id.isJsonNull() ? null : id.getAsString();
    }
    return null;
  }

  private static JsonObject data(JsonObject data) {
    JsonObject out = new JsonObject();
    for (Map.Entry<String, JsonElement> e : data.entrySet()) {
      String mime = e.getKey();
      boolean text = mime.startsWith("text/") || mime.equals("image/svg+xml");
      out.add(
          mime,
          text && e.getValue().isJsonPrimitive()
              ? NotebookJson.lines(e.getValue().getAsString())
              : e.getValue());
    }
    return out;
  }

  private static JsonElement gsonTree(Map<String, Object> params) {
    return new com.google.gson.Gson().toJsonTree(params);
  }
}
