package ai.fairl.notebook;

import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * Tablesaw {@link Table} to a plain HTML {@code <table>} for notebooks. Long tables show their
 * first and last rows with a "... N more rows" line between, as pandas does. Hand-written (about 40
 * lines) instead of {@code tablesaw-html}, which would add jsoup for the same markup.
 */
public final class TableHtml {
  /** Rows shown before a table is cut to head and tail. */
  public static final int MAX_ROWS = 30;

  private TableHtml() {}

  public static String render(Table table) {
    return render(table, MAX_ROWS);
  }

  public static String render(Table table, int maxRows) {
    int rows = table.rowCount();
    int head = rows > maxRows ? maxRows / 2 : rows;
    int tail = rows > maxRows ? maxRows - head : 0;
    StringBuilder sb = new StringBuilder("<table class=\"fairl-table\">");
    if (table.name() != null && !table.name().isBlank()) {
      sb.append("<caption>").append(escape(table.name())).append("</caption>");
    }
    sb.append("<thead><tr>");
    for (Column<?> c : table.columns()) {
      sb.append("<th>").append(escape(c.name())).append("</th>");
    }
    sb.append("</tr></thead><tbody>");
    for (int r = 0; r < head; r++) {
      row(sb, table, r);
    }
    if (tail > 0) {
      sb.append("<tr><td colspan=\"")
          .append(table.columnCount())
          .append("\">... ")
          .append(rows - head - tail)
          .append(" more rows</td></tr>");
      for (int r = rows - tail; r < rows; r++) {
        row(sb, table, r);
      }
    }
    return sb.append("</tbody></table>").toString();
  }

  private static void row(StringBuilder sb, Table t, int r) {
    sb.append("<tr>");
    for (Column<?> c : t.columns()) {
      sb.append("<td>").append(escape(c.getString(r))).append("</td>");
    }
    sb.append("</tr>");
  }

  static String escape(String s) {
    StringBuilder out = new StringBuilder(s.length());
    for (char ch : s.toCharArray()) {
      switch (ch) {
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '&' -> out.append("&amp;");
        case '"' -> out.append("&quot;");
        default -> out.append(ch);
      }
    }
    return out.toString();
  }
}
