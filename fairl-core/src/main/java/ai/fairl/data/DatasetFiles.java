package ai.fairl.data;

import blue.strategic.parquet.Hydrator;
import blue.strategic.parquet.ParquetReader;
import com.google.gson.Gson;
import com.google.gson.JsonElement;
import com.google.gson.JsonParseException;
import com.google.gson.Strictness;
import com.google.gson.reflect.TypeToken;
import com.google.gson.stream.JsonReader;
import com.google.gson.stream.JsonToken;
import com.univocity.parsers.csv.CsvParser;
import com.univocity.parsers.csv.CsvParserSettings;
import java.io.IOException;
import java.io.Reader;
import java.io.StringReader;
import java.lang.reflect.Type;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Reads a local dataset file into rows (column name to value), as Hugging Face {@code
 * load_dataset(fmt, data_files=...)} does for FAI-RL's local files: {@code .jsonl} (one object a
 * line), {@code .json} (an array of objects, an object of column arrays, or JSON lines), {@code
 * .csv} (a header row; values stay strings) and {@code .parquet}.
 *
 * <p>JSON values keep their structure: strings, numbers (as {@code Double}), booleans, lists (e.g.
 * a {@code messages} column) and maps. Parquet is read through parquet-floor (no Hadoop); it reads
 * flat columns of primitive and string values, not nested lists (a chat {@code messages} column
 * stored as Parquet lists is an error naming the column).
 */
public final class DatasetFiles {
  private static final Gson GSON = new Gson();
  private static final Type ROW = new TypeToken<LinkedHashMap<String, Object>>() {}.getType();

  private DatasetFiles() {}

  /** Reads every row of {@code file}; errors name the file and the line or row. */
  public static List<Map<String, Object>> read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) {
      throw new IOException(
          "dataset file "
              + file
              + " does not exist; data.datasets[].name must be a Hub id or a local"
              + " .jsonl/.json/.csv/.parquet path (relative to the working directory)");
    }
    String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".jsonl")) {
      return jsonLines(file);
    }
    if (name.endsWith(".json")) {
      return json(file);
    }
    if (name.endsWith(".csv")) {
      return csv(file);
    }
    if (name.endsWith(".parquet")) {
      return parquet(file);
    }
    throw new IOException(
        "dataset file " + file + " has an unknown extension; use .jsonl, .json, .csv or .parquet");
  }

  private static List<Map<String, Object>> jsonLines(Path file) throws IOException {
    List<Map<String, Object>> rows = new ArrayList<>();
    int lineNo = 0;
    try (Stream<String> lines = Files.lines(file, StandardCharsets.UTF_8)) {
      for (String line : (Iterable<String>) lines::iterator) {
        lineNo++;
        if (line.isBlank()) {
          continue;
        }
        rows.add(object(line, file + ":" + lineNo));
      }
    }
    return rows;
  }

  private static Map<String, Object> object(String text, String where) throws IOException {
    try {
      JsonElement e = strict(text);
      if (!e.isJsonObject()) {
        throw new IOException(where + ": expected a JSON object per row, got " + kind(e));
      }
      return GSON.fromJson(e, ROW);
    } catch (JsonParseException | IOException | IllegalStateException ex) {
      throw new IOException(where + ": not valid JSON (" + ex.getMessage() + ")", ex);
    }
  }

  /** Parses one JSON document strictly (Gson's default parser accepts unquoted words). */
  private static JsonElement strict(String text) throws IOException {
    JsonReader r = new JsonReader(new StringReader(text));
    r.setStrictness(Strictness.STRICT);
    JsonElement e = GSON.getAdapter(JsonElement.class).read(r);
    if (r.peek() != JsonToken.END_DOCUMENT) {
      throw new IOException("trailing text after the JSON value");
    }
    return e;
  }

  private static String kind(JsonElement e) {
    return e.isJsonArray() ? "an array" : e.isJsonPrimitive() ? "a value" : "null";
  }

  private static List<Map<String, Object>> json(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    JsonElement root;
    try {
      root = strict(text);
    } catch (JsonParseException | IOException | IllegalStateException e) {
      // HF's json loader also reads JSON lines from a .json file.
      return jsonLines(file);
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    if (root.isJsonArray()) {
      int i = 0;
      for (JsonElement e : root.getAsJsonArray()) {
        if (!e.isJsonObject()) {
          throw new IOException(file + ": row " + i + " is " + kind(e) + ", expected an object");
        }
        rows.add(GSON.fromJson(e, ROW));
        i++;
      }
      return rows;
    }
    if (root.isJsonObject()) {
      Map<String, Object> cols = GSON.fromJson(root, ROW);
      int n = -1;
      for (Map.Entry<String, Object> c : cols.entrySet()) {
        if (!(c.getValue() instanceof List<?> l)) {
          // A single object is one row.
          return List.of(cols);
        }
        if (n >= 0 && l.size() != n) {
          throw new IOException(
              file + ": column '" + c.getKey() + "' has " + l.size() + " values, others " + n);
        }
        n = l.size();
      }
      for (int i = 0; i < Math.max(n, 0); i++) {
        Map<String, Object> row = new LinkedHashMap<>();
        for (Map.Entry<String, Object> c : cols.entrySet()) {
          row.put(c.getKey(), ((List<?>) c.getValue()).get(i));
        }
        rows.add(row);
      }
      return rows;
    }
    throw new IOException(file + ": expected a JSON array of objects, got " + kind(root));
  }

  private static List<Map<String, Object>> csv(Path file) throws IOException {
    CsvParserSettings settings = new CsvParserSettings();
    settings.setHeaderExtractionEnabled(true);
    settings.setMaxCharsPerColumn(-1);
    settings.setNullValue("");
    settings.setEmptyValue("");
    settings.getFormat().setLineSeparator("\n");
    CsvParser parser = new CsvParser(settings);
    List<Map<String, Object>> rows = new ArrayList<>();
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      parser.beginParsing(r);
      String[] header = parser.getContext().headers();
      String[] values;
      int line = 1;
      while ((values = parser.parseNext()) != null) {
        line++;
        if (header == null) {
          header = parser.getContext().headers();
        }
        if (values.length > header.length) {
          throw new IOException(
              file
                  + ": row "
                  + (line - 2)
                  + " has "
                  + values.length
                  + " values for "
                  + header.length
                  + " header columns");
        }
        Map<String, Object> row = new LinkedHashMap<>();
        for (int i = 0; i < header.length; i++) {
          row.put(header[i], i < values.length ? values[i] : "");
        }
        rows.add(row);
      }
    } finally {
      parser.stopParsing();
    }
    return rows;
  }

  private static List<Map<String, Object>> parquet(Path file) throws IOException {
    Hydrator<Map<String, Object>, Map<String, Object>, String[]> hydrator =
        new Hydrator<>() {
          @Override
          public Map<String, Object> start() {
            return new LinkedHashMap<>();
          }

          @Override
          public Map<String, Object> add(Map<String, Object> row, String[] path, Object value) {
            if (path.length != 1) {
              throw new IllegalArgumentException(
                  file
                      + ": column '"
                      + String.join(".", path)
                      + "' is nested; only flat Parquet columns are supported (store chat"
                      + " messages as JSON lines instead)");
            }
            row.put(path[0], value);
            return row;
          }

          @Override
          public Map<String, Object> finish(Map<String, Object> row) {
            return row;
          }
        };
    try (Stream<Map<String, Object>> s =
        ParquetReader.streamContent(file.toFile(), hydrator, h -> h)) {
      return s.collect(Collectors.toList());
    } catch (RuntimeException e) {
      throw new IOException(file + ": could not read Parquet (" + e.getMessage() + ")", e);
    }
  }
}
