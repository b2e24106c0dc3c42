package ai.fairl.data;

import java.util.Map;

/**
 * Python's {@code str.format(**row)} for the templates FAI-RL recipes use ({@code system_prompt},
 * {@code user_prompt}, {@code assistant_prompt}): {@code {column}} is replaced by the row's value,
 * {@code {{} and {@code }}} are literal braces. Format specs and conversions ({@code {x:>5}},
 * {@code {x!r}}) are not supported and give an error naming the placeholder.
 */
public final class PromptFormat {
  private PromptFormat() {}

  /** A placeholder whose column the row does not have. */
  public static final class MissingColumn extends IllegalArgumentException {
    private final String column;

    MissingColumn(String column, String template) {
      super(
          "template placeholder {"
              + column
              + "} has no column '"
              + column
              + "' in the row (template: "
              + abbreviate(template)
              + "); add it to dataset_columns or fix the template");
      this.column = column;
    }

    public String column() {
      return column;
    }
  }

  /**
   * Fills {@code template} from {@code values}; values are rendered with {@code String.valueOf}.
   */
  public static String format(String template, Map<String, ?> values) {
    StringBuilder out = new StringBuilder(template.length() + 64);
    int i = 0;
    int n = template.length();
    while (i < n) {
      char c = template.charAt(i);
      if (c == '{') {
        if (i + 1 < n && template.charAt(i + 1) == '{') {
          out.append('{');
          i += 2;
          continue;
        }
        int close = template.indexOf('}', i);
        if (close < 0) {
          throw new IllegalArgumentException(
              "template has an unmatched '{' at offset "
                  + i
                  + ": "
                  + abbreviate(template)
                  + " (write {{ for a literal brace)");
        }
        String key = template.substring(i + 1, close);
        if (key.contains(":") || key.contains("!") || key.contains("{")) {
          throw new IllegalArgumentException(
              "template placeholder {" + key + "} uses a format spec; only {column} is supported");
        }
        if (!values.containsKey(key)) {
          throw new MissingColumn(key, template);
        }
        out.append(pythonStr(values.get(key)));
        i = close + 1;
      } else if (c == '}') {
        if (i + 1 < n && template.charAt(i + 1) == '}') {
          out.append('}');
          i += 2;
          continue;
        }
        throw new IllegalArgumentException(
            "template has an unmatched '}' at offset "
                + i
                + ": "
                + abbreviate(template)
                + " (write }} for a literal brace)");
      } else {
        out.append(c);
        i++;
      }
    }
    return out.toString();
  }

  /** Numbers read from JSON are doubles; print whole ones as Python would print the int. */
  static String pythonStr(Object v) {
    if (v instanceof Double d && d == Math.rint(d) && !Double.isInfinite(d)) {
      return Long.toString(d.longValue());
    }
    return String.valueOf(v);
  }

  private static String abbreviate(String s) {
    String one = s.replace("\n", "\\n");
    return one.length() <= 80 ? one : one.substring(0, 77) + "...";
  }
}
