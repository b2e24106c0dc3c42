/*
 * Python str.format for FAI-RL's prompt templates: "{name}" is replaced by the row's value,
 * "{{" and "}}" are literal braces. Simplified: no format specs ("{x:.2f}"), attribute or index
 * access; they are reported as errors. FAI-RL fell back to the literal template when a column was
 * missing, sending "{persona}" to the model; here a missing column is an error naming it.
 */
package ai.fairl.infer;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** A parsed prompt template. */
public final class PromptTemplate {
  private final String key;
  private final String source;
  private final List<Object> parts; // String literal or Field

  private record Field(String name) {}

  /**
   * Parses a template; {@code key} names the recipe key it came from, for messages ({@code
   * inference.system_prompt}).
   */
  public PromptTemplate(String key, String template) {
    this.key = key;
    this.source = template == null ? "" : template;
    this.parts = parse(key, source);
  }

  private static List<Object> parse(String key, String t) {
    List<Object> out = new ArrayList<>();
    StringBuilder lit = new StringBuilder();
    for (int i = 0; i < t.length(); i++) {
      char c = t.charAt(i);
      if (c == '{') {
        if (i + 1 < t.length() && t.charAt(i + 1) == '{') {
          lit.append('{');
          i++;
          continue;
        }
        int end = t.indexOf('}', i);
        if (end < 0) {
          throw new IllegalArgumentException(
              key + ": '{' at offset " + i + " is not closed; write '{{' for a literal brace");
        }
        String name = t.substring(i + 1, end).strip();
        if (!name.matches("[A-Za-z_][A-Za-z0-9_ -]*")) {
          throw new IllegalArgumentException(
              key
                  + ": placeholder {"
                  + name
                  + "} is not a column name (format specs and indexing are not supported); write"
                  + " '{{' and '}}' for literal braces");
        }
        if (lit.length() > 0) {
          out.add(lit.toString());
          lit.setLength(0);
        }
        out.add(new Field(name));
        i = end;
      } else if (c == '}') {
        if (i + 1 < t.length() && t.charAt(i + 1) == '}') {
          lit.append('}');
          i++;
          continue;
        }
        throw new IllegalArgumentException(
            key + ": single '}' at offset " + i + "; write '}}' for a literal brace");
      } else {
        lit.append(c);
      }
    }
    if (lit.length() > 0) {
      out.add(lit.toString());
    }
    return List.copyOf(out);
  }

  /** True when the template names at least one column (FAI-RL's flat-mode requirement). */
  public boolean hasPlaceholders() {
    return parts.stream().anyMatch(p -> p instanceof Field);
  }

  /** The column names the template uses. */
  public Set<String> fields() {
    Set<String> s = new java.util.LinkedHashSet<>();
    for (Object p : parts) {
      if (p instanceof Field f) {
        s.add(f.name());
      }
    }
    return s;
  }

  /** The template with each placeholder replaced by the row's value (Python's str()). */
  public String render(Map<String, ?> row, int rowIndex) {
    StringBuilder sb = new StringBuilder();
    for (Object p : parts) {
      if (p instanceof Field f) {
        if (!row.containsKey(f.name())) {
          throw new IllegalArgumentException(
              key
                  + " uses {"
                  + f.name()
                  + "} but row "
                  + rowIndex
                  + " has no such column (columns: "
                  + row.keySet()
                  + "); fix the placeholder or the dataset");
        }
        sb.append(Values.str(row.get(f.name())));
      } else {
        sb.append((String) p);
      }
    }
    return sb.toString();
  }

  public String source() {
    return source;
  }
}
