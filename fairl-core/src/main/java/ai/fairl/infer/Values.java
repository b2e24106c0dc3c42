package ai.fairl.infer;

import java.util.Iterator;
import java.util.List;
import java.util.Map;

/** Python's str() and repr() of dataset values, so prompts and CSV cells read as FAI-RL's do. */
public final class Values {
  private Values() {}

  /** str(): strings as they are, None as "", booleans as True/False, lists and dicts as repr. */
  public static String str(Object v) {
    if (v == null) {
      return "";
    }
    if (v instanceof String s) {
      return s;
    }
    return repr(v);
  }

  /** repr(): strings quoted the way Python quotes them. */
  public static String repr(Object v) {
    if (v == null) {
      return "None";
    }
    if (v instanceof Boolean b) {
      return b ? "True" : "False";
    }
    if (v instanceof String s) {
      boolean single = s.contains("'") && !s.contains("\"");
      char q = single ? '"' : '\'';
      StringBuilder sb = new StringBuilder().append(q);
      for (char c : s.toCharArray()) {
        switch (c) {
          case '\\' -> sb.append("\\\\");
          case '\n' -> sb.append("\\n");
          case '\t' -> sb.append("\\t");
          case '\r' -> sb.append("\\r");
          default -> {
            if (c == q) {
              sb.append('\\');
            }
            sb.append(c);
          }
        }
      }
      return sb.append(q).toString();
    }
    if (v instanceof List<?> l) {
      StringBuilder sb = new StringBuilder("[");
      for (Iterator<?> it = l.iterator(); it.hasNext(); ) {
        sb.append(repr(it.next()));
        if (it.hasNext()) {
          sb.append(", ");
        }
      }
      return sb.append(']').toString();
    }
    if (v instanceof Map<?, ?> m) {
      StringBuilder sb = new StringBuilder("{");
      for (Iterator<? extends Map.Entry<?, ?>> it = m.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<?, ?> e = it.next();
        sb.append(repr(e.getKey())).append(": ").append(repr(e.getValue()));
        if (it.hasNext()) {
          sb.append(", ");
        }
      }
      return sb.append('}').toString();
    }
    return v.toString();
  }
}
