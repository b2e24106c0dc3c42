/*
 * The <stem>.jsonl file: one JSON object per answered row, appended and flushed as answers arrive,
 * so an interrupted run loses at most the batch in flight. A rerun reads it back and skips rows
 * already answered with the same fingerprint; a torn last line (a crash mid-write) is ignored.
 * When the run ends the file is rewritten in row order, one record per row and checkpoint.
 */
package ai.fairl.infer;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Reads and appends the per-row results of an inference run. */
final class ResultLog implements AutoCloseable {
  private static final Gson GSON =
      new GsonBuilder().disableHtmlEscaping().serializeNulls().create();
  private final Path file;
  private Writer out;

  ResultLog(Path file) {
    this.file = file;
  }

  static String key(String checkpoint, int index) {
    return (checkpoint == null ? "" : checkpoint) + "\u0000" + index;
  }

  /** The records already in the file, by checkpoint and row, the later winning. */
  Map<String, RowResult> readExisting() {
    Map<String, RowResult> m = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return m;
    }
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      String line;
      while ((line = r.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        JsonObject o;
        try {
          o = JsonParser.parseString(line).getAsJsonObject();
        } catch (RuntimeException torn) {
          continue; // a line cut short by a crash: that row is simply asked again
        }
        RowResult rr = fromJson(o);
        m.put(key(rr.checkpoint(), rr.index()), rr);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + file + ": " + e.getMessage(), e);
    }
    return m;
  }

  synchronized void append(List<RowResult> rows) {
    try {
      if (out == null) {
        if (file.toAbsolutePath().getParent() != null) {
          Files.createDirectories(file.toAbsolutePath().getParent());
        }
        boolean needsNewline = Files.exists(file) && Files.size(file) > 0 && !endsWithNewline();
        out =
            Files.newBufferedWriter(
                file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        if (needsNewline) {
          out.write('\n');
        }
      }
      for (RowResult r : rows) {
        out.write(GSON.toJson(toJson(r)));
        out.write('\n');
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to " + file + ": " + e.getMessage(), e);
    }
  }

  private boolean endsWithNewline() throws IOException {
    try (var ch = Files.newByteChannel(file)) {
      ch.position(ch.size() - 1);
      var b = java.nio.ByteBuffer.allocate(1);
      ch.read(b);
      return b.get(0) == '\n';
    }
  }

  /** Rewrites the file with exactly these records, in row then checkpoint order. */
  void compact(List<RowResult> rows, List<String> checkpointOrder) {
    close();
    List<RowResult> sorted = new ArrayList<>(rows);
    sorted.sort(
        Comparator.comparingInt(RowResult::index)
            .thenComparingInt(r -> checkpointOrder.indexOf(r.checkpoint())));
    AtomicFiles.write(
        file,
        w -> {
          for (RowResult r : sorted) {
            w.write(GSON.toJson(toJson(r)));
            w.write('\n');
          }
        });
  }

  static JsonObject toJson(RowResult r) {
    JsonObject o = new JsonObject();
    o.addProperty("index", r.index());
    o.addProperty("checkpoint", r.checkpoint());
    o.addProperty("status", r.succeeded() ? "ok" : "failed");
    o.add("columns", GSON.toJsonTree(r.columns()));
    o.addProperty("response", r.response());
    o.addProperty("error", r.error());
    o.addProperty("prompt_tokens", r.promptTokens());
    o.addProperty("completion_tokens", r.completionTokens());
    o.addProperty("seconds", Math.round(r.seconds() * 1000) / 1000.0);
    o.addProperty("fingerprint", r.fingerprint());
    return o;
  }

  static RowResult fromJson(JsonObject o) {
    Map<String, Object> cols =
        o.has("columns") && o.get("columns").isJsonObject()
            ? DatasetRows.object(o.getAsJsonObject("columns"))
            : Map.of();
    return new RowResult(
        o.get("index").getAsInt(),
        str(o, "checkpoint"),
        cols,
        str(o, "response") == null ? "" : str(o, "response"),
        "failed".equals(str(o, "status"))
            ? (str(o, "error") == null ? "failed" : str(o, "error"))
            : null,
        o.has("prompt_tokens") ? o.get("prompt_tokens").getAsInt() : -1,
        o.has("completion_tokens") ? o.get("completion_tokens").getAsInt() : -1,
        o.has("seconds") ? o.get("seconds").getAsDouble() : 0,
        str(o, "fingerprint"));
  }

  private static String str(JsonObject o, String k) {
    return o.has(k) && !o.get(k).isJsonNull() ? o.get(k).getAsString() : null;
  }

  @Override
  public synchronized void close() {
    if (out != null) {
      try {
        out.close();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      out = null;
    }
  }
}
