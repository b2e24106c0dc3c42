package ai.fairl.notebook;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import com.google.gson.stream.JsonWriter;
import java.io.IOException;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reading and writing {@code .ipynb} files the way nbformat does (indent 1, sorted keys, multi-line
 * strings as lists of lines), so diffs against Jupyter-saved notebooks stay small. Writes go to a
 * temporary file first and replace the target, so a crash never leaves half a notebook.
 */
final class NotebookJson {
  private NotebookJson() {}

  static JsonObject read(Path file) throws IOException {
    JsonElement e;
    try {
      e = JsonParser.parseString(Files.readString(file));
    } catch (RuntimeException ex) {
      throw new IllegalArgumentException(
          file + ": not a notebook (invalid JSON: " + ex.getMessage() + ")", ex);
    }
    if (!e.isJsonObject() || !e.getAsJsonObject().has("cells")) {
      throw new IllegalArgumentException(file + ": not a notebook (no \"cells\")");
    }
    JsonObject nb = e.getAsJsonObject();
    if (!nb.has("nbformat") || nb.get("nbformat").getAsInt() != 4) {
      throw new IllegalArgumentException(file + ": only nbformat 4 notebooks are supported");
    }
    return nb;
  }

  static String text(JsonElement multiline) {
    if (multiline == null || multiline.isJsonNull()) {
      return "";
    }
    if (multiline.isJsonArray()) {
      StringBuilder sb = new StringBuilder();
      multiline.getAsJsonArray().forEach(x -> sb.append(x.getAsString()));
      return sb.toString();
    }
    return multiline.getAsString();
  }

  static JsonArray lines(String s) {
    JsonArray a = new JsonArray();
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      if (s.charAt(i) == '\n') {
        a.add(s.substring(start, i + 1));
        start = i + 1;
      }
    }
    if (start < s.length()) {
      a.add(s.substring(start));
    }
    return a;
  }

  static void write(JsonObject nb, Path file) throws IOException {
    StringWriter sw = new StringWriter();
    JsonWriter w = new JsonWriter(sw);
    w.setIndent(" ");
    w.setHtmlSafe(false);
    writeSorted(w, nb);
    w.flush();
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempFile(parent, ".fairl-", ".ipynb.tmp");
    Files.writeString(tmp, sw + "\n", StandardCharsets.UTF_8);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void writeSorted(JsonWriter w, JsonElement e) throws IOException {
    if (e == null || e.isJsonNull()) {
      w.nullValue();
    } else if (e.isJsonObject()) {
      w.beginObject();
      Map<String, JsonElement> sorted = new TreeMap<>();
      e.getAsJsonObject().entrySet().forEach(en -> sorted.put(en.getKey(), en.getValue()));
      for (Map.Entry<String, JsonElement> en : sorted.entrySet()) {
        w.name(en.getKey());
        writeSorted(w, en.getValue());
      }
      w.endObject();
    } else if (e.isJsonArray()) {
      w.beginArray();
      for (JsonElement x : e.getAsJsonArray()) {
        writeSorted(w, x);
      }
      w.endArray();
    } else {
      JsonPrimitive p = e.getAsJsonPrimitive();
      if (p.isBoolean()) {
        w.value(p.getAsBoolean());
      } else if (p.isNumber()) {
        w.value(p.getAsNumber());
      } else {
        w.value(p.getAsString());
      }
    }
  }

  static List<JsonObject> cells(JsonObject nb) {
    List<JsonObject> out = new ArrayList<>();
    nb.getAsJsonArray("cells").forEach(c -> out.add(c.getAsJsonObject()));
    return out;
  }

  static List<String> tags(JsonObject cell) {
    List<String> out = new ArrayList<>();
    JsonObject md = cell.getAsJsonObject("metadata");
    if (md != null && md.has("tags") && md.get("tags").isJsonArray()) {
      md.getAsJsonArray("tags").forEach(t -> out.add(t.getAsString()));
    }
    return out;
  }
}
