/*
 * Dataset rows for inference: local CSV (header row), JSONL, JSON-array or Parquet files (relative
 * paths: the current directory, then the install root), a folder holding
 * <split>.<ext>, or a Hugging Face id found in the local mirror FAIRL_DATASETS_DIR (property
 * fairl.datasets.dir), as <mirror>/<owner>/<name> or <mirror>/<name>.
 * Simplified: no download from the Hub (ai.fairl.hub's cache is not consulted yet).
 * TODO(consolidate): delegate to ai.fairl.data and ai.fairl.hub once they land.
 */
package ai.fairl.infer;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/** Loads rows (column name to value) from local files or the dataset mirror. */
public final class DatasetRows {
  private DatasetRows() {}

  /** The mirror folder for Hub ids, from fairl.datasets.dir or FAIRL_DATASETS_DIR, or null. */
  public static Path mirror() {
    String d = System.getProperty("fairl.datasets.dir");
    if (d == null || d.isBlank()) {
      d = System.getenv("FAIRL_DATASETS_DIR");
    }
    return d == null || d.isBlank() ? null : Path.of(d);
  }

  /**
   * Resolves a recipe's {@code dataset_name} to a local path: an existing file or folder (relative
   * to {@code base}), else a Hub id in the mirror.
   */
  public static Path resolve(String datasetName, Path base) {
    if (datasetName == null || datasetName.isBlank()) {
      throw new IllegalArgumentException("dataset_name is empty; name a local file or a Hub id");
    }
    if (datasetName.startsWith("s3://")) {
      throw new IllegalArgumentException(
          "dataset_name " + datasetName + ": s3:// datasets are not supported; copy it locally");
    }
    Path p = base == null ? Path.of(datasetName) : base.resolve(datasetName);
    if (Files.exists(p)) {
      return p;
    }
    Path home = installRoot();
    if (home != null
        && !Path.of(datasetName).isAbsolute()
        && Files.exists(home.resolve(datasetName))) {
      return home.resolve(datasetName);
    }
    Path m = mirror();
    if (m != null) {
      for (Path c : List.of(m.resolve(datasetName), m.resolve(lastPart(datasetName)))) {
        if (Files.exists(c)) {
          return c;
        }
      }
      throw new IllegalArgumentException(
          "dataset_name "
              + datasetName
              + " is neither a local file ("
              + p.toAbsolutePath()
              + " does not exist) nor in the dataset mirror FAIRL_DATASETS_DIR="
              + m
              + "; give a path, put the files in "
              + m.resolve(lastPart(datasetName))
              + "/, or unset FAIRL_DATASETS_DIR to download from the Hub");
    }
    if (!datasetName.matches("[A-Za-z0-9][\\w.-]*/[\\w.-]+")) {
      throw new IllegalArgumentException(
          "dataset_name "
              + datasetName
              + " is not a local file ("
              + p.toAbsolutePath()
              + " does not exist) nor a Hub id such as openai/gsm8k; fix the path, or set"
              + " FAIRL_DATASETS_DIR to a folder of dataset copies");
    }
    // a Hub dataset: its repository through the Hub cache (HF_HUB_OFFLINE and HF_TOKEN apply)
    return ai.fairl.hub.HubClient.fromEnvironment()
        .snapshot(
            datasetName,
            ai.fairl.hub.RepoType.DATASET,
            null,
            f -> !f.contains("auxiliary_train") && !f.endsWith(".py"));
  }

  /** The install root (fairl.home, FAIRL_HOME, or fairl.root in tests), or null. */
  static Path installRoot() {
    for (String v :
        new String[] {
          System.getProperty("fairl.home"),
          System.getenv("FAIRL_HOME"),
          System.getProperty("fairl.root")
        }) {
      if (v != null && !v.isBlank()) {
        return Path.of(v);
      }
    }
    return null;
  }

  private static String lastPart(String id) {
    int slash = id.lastIndexOf('/');
    return slash >= 0 ? id.substring(slash + 1) : id;
  }

  /** The rows of a dataset (file or folder) for a split. */
  public static List<Map<String, Object>> load(String datasetName, String split, Path base) {
    return load(datasetName, null, split, base);
  }

  /**
   * The rows of a dataset split; in a folder, {@code <split>.<ext>} first, else the Hub layouts
   * ({@code <subset>/<split>-*.parquet}, {@code data/<split>-*}, ...) as ai.fairl.hub finds them.
   */
  public static List<Map<String, Object>> load(
      String datasetName, String subset, String split, Path base) {
    Path p = resolve(datasetName, base);
    if (!Files.isDirectory(p)) {
      return readFile(p);
    }
    List<Path> files;
    try {
      files = List.of(splitFile(p, split));
    } catch (IllegalArgumentException notFlat) {
      try {
        files = ai.fairl.hub.DatasetSource.resolve(p.toString(), subset, split);
      } catch (RuntimeException none) {
        throw notFlat;
      }
    }
    List<Map<String, Object>> rows = new ArrayList<>();
    for (Path f : files) {
      rows.addAll(readFile(f));
    }
    return rows;
  }

  /** The file of a split inside a dataset folder. */
  public static Path splitFile(Path dir, String split) {
    String s = split == null || split.isBlank() ? "test" : split;
    for (String ext : List.of("jsonl", "csv", "json", "parquet")) {
      Path f = dir.resolve(s + "." + ext);
      if (Files.isRegularFile(f)) {
        return f;
      }
    }
    List<String> found = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      files.forEach(f -> found.add(f.getFileName().toString()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    throw new IllegalArgumentException(
        "dataset_split "
            + s
            + ": no "
            + s
            + ".jsonl, .csv, .json or .parquet in "
            + dir
            + " (it holds "
            + found
            + "); set dataset_split to one of them");
  }

  /** The rows of one CSV, JSONL or JSON file. */
  public static List<Map<String, Object>> readFile(Path f) {
    String name = f.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".csv")) {
      return fromCsv(f);
    }
    if (name.endsWith(".jsonl") || name.endsWith(".ndjson")) {
      return fromJsonLines(f);
    }
    if (name.endsWith(".json")) {
      return fromJsonArray(f);
    }
    if (name.endsWith(".parquet")) {
      return ParquetRows.rows(f);
    }
    throw new IllegalArgumentException(
        f + ": unknown dataset format; use .csv (with a header), .jsonl, .json or .parquet");
  }

  private static List<Map<String, Object>> fromCsv(Path f) {
    List<List<String>> records = Csv.read(f);
    if (records.isEmpty()) {
      throw new IllegalArgumentException(f + " is empty; a CSV dataset needs a header row");
    }
    List<String> header = records.get(0);
    List<Map<String, Object>> rows = new ArrayList<>();
    for (int i = 1; i < records.size(); i++) {
      List<String> r = records.get(i);
      if (r.size() != header.size()) {
        throw new IllegalArgumentException(
            f
                + ": record "
                + (i + 1)
                + " has "
                + r.size()
                + " fields but the header has "
                + header.size()
                + " ("
                + header
                + ")");
      }
      Map<String, Object> row = new LinkedHashMap<>();
      for (int j = 0; j < header.size(); j++) {
        row.put(header.get(j), r.get(j));
      }
      rows.add(row);
    }
    return rows;
  }

  private static List<Map<String, Object>> fromJsonLines(Path f) {
    List<Map<String, Object>> rows = new ArrayList<>();
    try (BufferedReader r = Files.newBufferedReader(f, StandardCharsets.UTF_8)) {
      String line;
      int n = 0;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        JsonElement e;
        try {
          e = JsonParser.parseString(line);
        } catch (RuntimeException bad) {
          throw new IllegalArgumentException(f + ":" + n + ": not valid JSON: " + bad.getMessage());
        }
        if (!e.isJsonObject()) {
          throw new IllegalArgumentException(f + ":" + n + ": each line must be a JSON object");
        }
        rows.add(object(e.getAsJsonObject()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
    }
    return rows;
  }

  private static List<Map<String, Object>> fromJsonArray(Path f) {
    try {
      JsonElement e = JsonParser.parseString(Files.readString(f, StandardCharsets.UTF_8));
      if (!e.isJsonArray()) {
        throw new IllegalArgumentException(f + ": a .json dataset must be an array of objects");
      }
      List<Map<String, Object>> rows = new ArrayList<>();
      for (JsonElement x : e.getAsJsonArray()) {
        rows.add(object(x.getAsJsonObject()));
      }
      return rows;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + f + ": " + e.getMessage(), e);
    }
  }

  static Map<String, Object> object(JsonObject o) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (Map.Entry<String, JsonElement> e : o.entrySet()) {
      m.put(e.getKey(), value(e.getValue()));
    }
    return m;
  }

  /** A JSON value as Java: String, Number (printing as written), Boolean, List, Map or null. */
  static Object value(JsonElement e) {
    if (e == null || e.isJsonNull()) {
      return null;
    }
    if (e.isJsonObject()) {
      return object(e.getAsJsonObject());
    }
    if (e.isJsonArray()) {
      JsonArray a = e.getAsJsonArray();
      List<Object> l = new ArrayList<>(a.size());
      a.forEach(x -> l.add(value(x)));
      return l;
    }
    var p = e.getAsJsonPrimitive();
    if (p.isBoolean()) {
      return p.getAsBoolean();
    }
    if (p.isNumber()) {
      return p.getAsNumber();
    }
    return p.getAsString();
  }
}
