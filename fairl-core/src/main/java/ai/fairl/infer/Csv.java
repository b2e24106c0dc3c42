/*
 * RFC 4180 CSV, as pandas reads and writes it (quoted fields may hold commas, quotes and newlines;
 * a UTF-8 byte-order mark is skipped). Writing quotes every field (pandas QUOTE_ALL, as FAI-RL).
 * Simplified: one-character comma delimiter only, no dialect sniffing.
 * TODO(consolidate): move next to ai.fairl.data's readers once they land.
 */
package ai.fairl.infer;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads and writes CSV files. */
public final class Csv {
  private Csv() {}

  /** All records of a CSV file, header included when it has one. */
  public static List<List<String>> read(Path file) {
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      return parse(r, file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read CSV file " + file + ": " + e.getMessage(), e);
    }
  }

  static List<List<String>> parse(Reader r, String where) throws IOException {
    List<List<String>> rows = new ArrayList<>();
    List<String> row = new ArrayList<>();
    StringBuilder field = new StringBuilder();
    boolean quoted = false;
    boolean fieldStarted = false;
    int line = 1;
    int c = r.read();
    if (c == '\uFEFF') {
      c = r.read();
    }
    for (; c != -1; c = r.read()) {
      char ch = (char) c;
      if (quoted) {
        if (ch == '"') {
          r.mark(1);
          int next = r.read();
          if (next == '"') {
            field.append('"');
          } else {
            quoted = false;
            if (next == -1) {
              break;
            }
            r.reset();
          }
        } else {
          if (ch == '\n') {
            line++;
          }
          field.append(ch);
        }
        continue;
      }
      switch (ch) {
        case '"' -> {
          if (field.length() > 0) {
            throw new IOException(
                where + ":" + line + ": a quote inside an unquoted field; quote the whole field");
          }
          quoted = true;
          fieldStarted = true;
        }
        case ',' -> {
          row.add(field.toString());
          field.setLength(0);
          fieldStarted = true;
        }
        case '\r' -> {}
        case '\n' -> {
          line++;
          if (fieldStarted || field.length() > 0 || !row.isEmpty()) {
            row.add(field.toString());
            rows.add(row);
          }
          row = new ArrayList<>();
          field.setLength(0);
          fieldStarted = false;
        }
        default -> {
          field.append(ch);
          fieldStarted = true;
        }
      }
    }
    if (quoted) {
      throw new IOException(where + ":" + line + ": a quoted field is not closed");
    }
    if (fieldStarted || field.length() > 0 || !row.isEmpty()) {
      row.add(field.toString());
      rows.add(row);
    }
    return rows;
  }

  /** Writes a header and rows, every field quoted, to a temporary file moved into place. */
  public static void write(Path file, List<String> header, List<List<String>> rows) {
    AtomicFiles.write(
        file,
        w -> {
          writeRow(w, header);
          for (List<String> row : rows) {
            writeRow(w, row);
          }
        });
  }

  private static void writeRow(Writer w, List<String> row) throws IOException {
    for (int i = 0; i < row.size(); i++) {
      if (i > 0) {
        w.write(',');
      }
      String v = row.get(i) == null ? "" : row.get(i);
      w.write('"');
      w.write(v.replace("\"", "\"\""));
      w.write('"');
    }
    w.write('\n');
  }
}
