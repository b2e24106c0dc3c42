/*
 * Loaders for the benchmark files in their published layouts:
 *  MMLU  a folder <split>/<subject>_<split>.csv, as hendrycks/test's data.tar (no header, answer a
 *        letter) or ../shared/data/mmlu (header question,choice0..3,answer with a 0-based index);
 *        or one such CSV file; or cais/mmlu's Parquet layout <subject>/<split>-*.parquet or
 *        all/<split>-*.parquet (question, subject, choices list, answer index), or one such file.
 *  GSM8K JSONL with question and answer (openai/grade-school-math), a file or a folder of splits.
 * Hub ids resolve through the dataset mirror FAIRL_DATASETS_DIR (cais/mmlu -> <mirror>/mmlu).
 */
package ai.fairl.eval;

import ai.fairl.infer.Csv;
import ai.fairl.infer.DatasetRows;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/** Reads MMLU and GSM8K. */
public final class BenchmarkData {
  private BenchmarkData() {}

  /** MMLU questions of the given subjects and split from a file, folder or Hub id. */
  public static List<MmluQuestion> mmlu(String source, List<String> subjects, String split) {
    Path p = DatasetRows.resolve(source, null);
    if (Files.isRegularFile(p) && p.toString().endsWith(".parquet")) {
      return fromRows(p, DatasetRows.readFile(p), null, subjects);
    }
    if (Files.isRegularFile(p)) {
      String stem = p.getFileName().toString().replaceFirst("\\.[^.]+$", "");
      String subject = stem.replaceFirst("_(test|dev|val|validation|train)$", "");
      return mmluFile(p, subject);
    }
    String s = split == null || split.isBlank() ? "test" : split.strip();
    List<String> names =
        s.equals("validation")
            ? List.of("validation", "val")
            : s.equals("val") ? List.of("val", "validation") : List.of(s);
    Path dir = null;
    for (String n : names) {
      if (Files.isDirectory(p.resolve(n))) {
        dir = p.resolve(n);
        s = n;
        break;
      }
    }
    if (dir == null && hasParquet(p)) {
      return parquetLayout(p, subjects, split == null || split.isBlank() ? "test" : split.strip());
    }
    if (dir == null) {
      throw new IllegalArgumentException(
          "MMLU split \"" + s + "\": no folder " + p.resolve(s) + "; splits are test, dev, val");
    }
    List<MmluQuestion> out = new ArrayList<>();
    for (String subject : subjects) {
      Path f = dir.resolve(subject + "_" + s + ".csv");
      if (!Files.isRegularFile(f)) {
        throw new IllegalArgumentException(
            "MMLU subject "
                + subject
                + ": "
                + f
                + " does not exist; is "
                + p
                + " a full MMLU copy?");
      }
      out.addAll(mmluFile(f, subject));
    }
    return out;
  }

  /**
   * cais/mmlu on the Hub: {@code <subject>/<split>-*.parquet}, or {@code all/<split>-*.parquet}.
   */
  private static List<MmluQuestion> parquetLayout(Path p, List<String> subjects, String split) {
    List<String> splits = split.equals("val") ? List.of("validation") : List.of(split);
    List<MmluQuestion> out = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (String subject : subjects) {
      List<Path> files = parquetFiles(p.resolve(subject), splits.get(0));
      if (files.isEmpty()) {
        missing.add(subject);
        continue;
      }
      for (Path f : files) {
        out.addAll(fromRows(f, DatasetRows.readFile(f), subject, subjects));
      }
    }
    if (missing.isEmpty()) {
      return out;
    }
    List<Path> all = parquetFiles(p.resolve("all"), splits.get(0));
    if (all.isEmpty()) {
      throw new IllegalArgumentException(
          "MMLU Parquet in "
              + p
              + ": no "
              + splits.get(0)
              + "-*.parquet under "
              + missing.get(0)
              + "/ or all/; is this a cais/mmlu copy?");
    }
    out.clear();
    for (Path f : all) {
      out.addAll(fromRows(f, DatasetRows.readFile(f), null, subjects));
    }
    return out;
  }

  private static List<Path> parquetFiles(Path dir, String split) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(
              f -> {
                String n = f.getFileName().toString();
                return n.startsWith(split + "-") && n.endsWith(".parquet");
              })
          .sorted()
          .toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Questions from cais/mmlu-style rows, keeping those of the selected subjects. */
  private static List<MmluQuestion> fromRows(
      Path f, List<Map<String, Object>> rows, String subject, List<String> subjects) {
    List<MmluQuestion> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      Map<String, Object> r = rows.get(i);
      Object s = r.get("subject");
      String subj = s == null || s.toString().isBlank() ? subject : s.toString();
      if (subj == null || !subjects.contains(subj)) {
        continue;
      }
      if (!(r.get("choices") instanceof List<?> choices)
          || r.get("question") == null
          || r.get("answer") == null) {
        throw new IllegalArgumentException(
            f
                + ": row "
                + i
                + " lacks question, choices (a list) or answer; columns "
                + r.keySet());
      }
      int answer;
      try {
        answer = Integer.parseInt(r.get("answer").toString().strip());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(
            f + ": row " + i + " has answer " + r.get("answer") + "; expected an index");
      }
      out.add(
          new MmluQuestion(
              subj,
              r.get("question").toString(),
              choices.stream().map(String::valueOf).toList(),
              answer));
    }
    return out;
  }

  private static boolean hasParquet(Path p) {
    try (Stream<Path> s = Files.walk(p, 3)) {
      return s.anyMatch(f -> f.toString().endsWith(".parquet"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One MMLU CSV, with a header row or without (hendrycks: question, A, B, C, D, letter). */
  public static List<MmluQuestion> mmluFile(Path f, String subject) {
    if (f.toString().endsWith(".parquet")) {
      throw new IllegalArgumentException(
          f + ": Parquet is not readable in this build yet; use the CSV layout");
    }
    List<List<String>> records = Csv.read(f);
    List<MmluQuestion> out = new ArrayList<>();
    if (records.isEmpty()) {
      return out;
    }
    List<String> first = records.get(0);
    boolean header = first.get(0).strip().equalsIgnoreCase("question");
    int q = 0;
    int a = first.size() - 1;
    List<Integer> choiceCols = new ArrayList<>();
    if (header) {
      List<String> h = first.stream().map(x -> x.strip().toLowerCase(Locale.ROOT)).toList();
      a = h.indexOf("answer");
      if (a < 0) {
        throw new IllegalArgumentException(f + ": the header " + first + " has no answer column");
      }
      for (int i = 0; i < h.size(); i++) {
        if (i != q && i != a && !h.get(i).equals("subject")) {
          choiceCols.add(i);
        }
      }
    } else {
      for (int i = 1; i < a; i++) {
        choiceCols.add(i);
      }
    }
    for (int r = header ? 1 : 0; r < records.size(); r++) {
      List<String> row = records.get(r);
      if (row.size() != first.size()) {
        throw new IllegalArgumentException(
            f + ": record " + (r + 1) + " has " + row.size() + " fields, expected " + first.size());
      }
      List<String> choices = new ArrayList<>();
      for (int c : choiceCols) {
        choices.add(row.get(c));
      }
      String ans = row.get(a).strip();
      int idx;
      if (ans.matches("\\d+")) {
        idx = Integer.parseInt(ans);
      } else if (ans.length() == 1
          && Character.toUpperCase(ans.charAt(0)) >= 'A'
          && Character.toUpperCase(ans.charAt(0)) < 'A' + choices.size()) {
        idx = Character.toUpperCase(ans.charAt(0)) - 'A';
      } else {
        throw new IllegalArgumentException(
            f
                + ": record "
                + (r + 1)
                + " has answer \""
                + ans
                + "\"; expected a letter A-"
                + (char) ('A' + choices.size() - 1)
                + " or an index 0-"
                + (choices.size() - 1));
      }
      try {
        out.add(new MmluQuestion(subject, row.get(q), choices, idx));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(f + ": record " + (r + 1) + ": " + e.getMessage(), e);
      }
    }
    return out;
  }

  /** GSM8K problems from a JSONL file, a folder of splits or a Hub id. */
  public static List<Gsm8kQuestion> gsm8k(String source, String split) {
    return gsm8k(source, "main", split);
  }

  /** As {@link #gsm8k(String, String)} with a subset (openai/gsm8k: main or socratic). */
  public static List<Gsm8kQuestion> gsm8k(String source, String subset, String split) {
    List<Map<String, Object>> rows = DatasetRows.load(source, subset, split, null);
    List<Gsm8kQuestion> out = new ArrayList<>();
    for (int i = 0; i < rows.size(); i++) {
      Map<String, Object> r = rows.get(i);
      if (!r.containsKey("question") || !r.containsKey("answer")) {
        throw new IllegalArgumentException(
            source + ": row " + i + " lacks question or answer (columns " + r.keySet() + ")");
      }
      out.add(Gsm8kQuestion.of(String.valueOf(r.get("question")), String.valueOf(r.get("answer"))));
    }
    return out;
  }
}
