package ai.fairl.hub;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/**
 * Finds the local files of a dataset split. With a mirror folder ({@code FAIRL_DATASETS_DIR}, or
 * the system property {@code fairl.datasets.dir}) a Hub id maps to a folder in it, tried in this
 * order: {@code <mirror>/<org>/<name>}, {@code <mirror>/<name>}, {@code <mirror>/<org>--<name>} (so
 * {@code openai/gsm8k} finds {@code shared/data/gsm8k}). Without a mirror the dataset repo is
 * downloaded through the Hub cache. Within the folder (and the {@code subset} subfolder when there
 * is one), a split's files are, first match wins: {@code <split>.{jsonl,json,csv,parquet}}, files
 * in a {@code <split>/} folder (filtered to names containing the subset when given, e.g. MMLU's
 * {@code test/abstract_algebra_test.csv}), or files named {@code <split>-*} / {@code *_<split>.*}.
 * Readers for the formats live with the data package; this class only finds files.
 */
public final class DatasetSource {
  private DatasetSource() {}

  /** The configured mirror folder, or null. */
  public static Path mirror() {
    String p = System.getProperty("fairl.datasets.dir");
    if (p == null || p.isBlank()) {
      p = System.getenv("FAIRL_DATASETS_DIR");
    }
    return p == null || p.isBlank() ? null : Paths.get(p);
  }

  /**
   * Resolves a split's files.
   *
   * @param id a Hub dataset id such as {@code openai/gsm8k}, or a local folder
   * @param subset a configuration such as {@code main} or an MMLU subject; null or "all" for none
   * @param split such as {@code train} or {@code test}
   * @return the files, sorted; never empty
   */
  public static List<Path> resolve(String id, String subset, String split) {
    Path local = Paths.get(id);
    Path root;
    if (Files.isDirectory(local)) {
      root = local;
    } else {
      Path mirror = mirror();
      if (mirror != null) {
        root = inMirror(mirror, id);
      } else {
        root = HubClient.fromEnvironment().snapshot(id, RepoType.DATASET, null, f -> true);
      }
    }
    return filesOf(root, id, subset, split);
  }

  static Path inMirror(Path mirror, String id) {
    String name = id.contains("/") ? id.substring(id.indexOf('/') + 1) : id;
    List<Path> tried =
        List.of(mirror.resolve(id), mirror.resolve(name), mirror.resolve(id.replace("/", "--")));
    for (Path p : tried) {
      if (Files.isDirectory(p)) {
        return p;
      }
    }
    throw new IllegalArgumentException(
        "dataset '"
            + id
            + "' is not in the mirror FAIRL_DATASETS_DIR="
            + mirror
            + "; looked for "
            + tried
            + ". Put its files in one of these folders or unset FAIRL_DATASETS_DIR to use the Hub");
  }

  static List<Path> filesOf(Path root, String id, String subset, String split) {
    boolean hasSubset = subset != null && !subset.isBlank() && !subset.equalsIgnoreCase("all");
    Path dir = root;
    if (hasSubset && Files.isDirectory(root.resolve(subset))) {
      dir = root.resolve(subset);
      hasSubset = false;
    }
    String s = split.toLowerCase(Locale.ROOT);
    for (String ext : new String[] {"jsonl", "json", "csv", "parquet"}) {
      Path f = dir.resolve(s + "." + ext);
      if (Files.isRegularFile(f)) {
        return List.of(f);
      }
    }
    List<Path> out = new ArrayList<>();
    Path splitDir = dir.resolve(s);
    if (Files.isDirectory(splitDir)) {
      for (Path f : list(splitDir)) {
        if (!hasSubset
            || f.getFileName().toString().startsWith(subset + "_")
            || f.getFileName().toString().startsWith(subset + ".")) {
          out.add(f);
        }
      }
    } else {
      for (Path f : list(dir)) {
        String n = f.getFileName().toString();
        if (n.startsWith(s + "-") || n.contains("_" + s + ".")) {
          if (!hasSubset || n.startsWith(subset + "_")) {
            out.add(f);
          }
        }
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException(
          "no files for dataset '"
              + id
              + "'"
              + (subset == null ? "" : " subset '" + subset + "'")
              + " split '"
              + split
              + "' in "
              + dir
              + "; expected "
              + s
              + ".jsonl/.json/.csv/.parquet, a '"
              + s
              + "/' folder or files named "
              + s
              + "-*");
    }
    return out;
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> st = Files.list(dir)) {
      return st.filter(Files::isRegularFile).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + dir, e);
    }
  }
}
