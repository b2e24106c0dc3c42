package ai.fairl.recipe;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A validated recipe with how it was resolved: every key's effective value and origin, notes ("no
 * effect here: ..."), and notices (adjustments the loader made). {@link #render()} is the {@code
 * --dry-run} text; it is valid YAML with secrets as {@code ***}, and it is what a run saves into
 * its output directory.
 */
public final class Resolved<R extends Recipe> {
  /** The file a training run writes into its output directory: {@link #render()}. */
  public static final String FILE_NAME = "resolved_recipe.yaml";

  private static final Gson JSON = new GsonBuilder().disableHtmlEscaping().create();
  private static final int COMMENT_COLUMN = 56;

  private final R recipe;
  private final String source;
  private final List<String> overrides;
  private final Map<String, Object> tree;
  private final List<String> notices;
  private final java.util.Set<String> secretValues;

  Resolved(
      R recipe,
      String source,
      List<String> overrides,
      Map<String, Object> tree,
      List<String> notices,
      java.util.Set<String> secretValues) {
    this.recipe = recipe;
    this.source = source;
    this.overrides = List.copyOf(overrides);
    this.tree = tree;
    this.notices = List.copyOf(notices);
    this.secretValues = java.util.Set.copyOf(secretValues);
  }

  /** The typed recipe. */
  public R recipe() {
    return recipe;
  }

  /** The recipe file as given, or {@code <overrides>} when there was none. */
  public String source() {
    return source;
  }

  /** The overrides applied, in order. */
  public List<String> overrides() {
    return overrides;
  }

  /** Adjustments the loader made and wants the user to see (one line each). */
  public List<String> notices() {
    return notices;
  }

  /** Every resolved leaf key in recipe order. */
  public List<Setting> settings() {
    List<Setting> out = new ArrayList<>();
    flatten(tree, out);
    return out;
  }

  /** The setting with this dotted key ({@code training.beta}, {@code data.datasets[0].name}). */
  public Setting setting(String key) {
    for (Setting s : settings()) {
      if (s.key().equals(key)) {
        return s;
      }
    }
    throw new IllegalArgumentException("no resolved key " + key);
  }

  private static void flatten(Map<String, Object> m, List<Setting> out) {
    for (Object v : m.values()) {
      if (v instanceof Setting s) {
        out.add(s);
      } else if (v instanceof Binder.Section sec) {
        sec.items().forEach(item -> flatten(item, out));
      } else if (v instanceof Map<?, ?> sub) {
        @SuppressWarnings("unchecked")
        Map<String, Object> typed = (Map<String, Object>) sub;
        flatten(typed, out);
      }
    }
  }

  /**
   * The resolved recipe as YAML, each key commented with its origin and notes; secrets as {@code
   * ***}. Loading this text again gives the same recipe (secrets aside).
   */
  public String render() {
    StringBuilder sb = new StringBuilder();
    sb.append("# FAI-RL for Java: resolved ").append(recipe.kind()).append(" recipe\n");
    sb.append("# source: ").append(source).append('\n');
    for (String o : overrides) {
      sb.append("# override: ").append(Secrets.redactOverride(o)).append('\n');
    }
    for (String n : notices) {
      sb.append("# notice: ").append(n).append('\n');
    }
    renderMap(tree, "", sb, false, source + ":");
    String text = sb.toString();
    for (String secret : secretValues) {
      text = text.replace(secret, Secrets.MASK);
    }
    return text;
  }

  private static void renderMap(
      Map<String, Object> m, String indent, StringBuilder sb, boolean dash, String filePrefix) {
    boolean first = true;
    for (Map.Entry<String, Object> e : m.entrySet()) {
      String lead = dash && first ? indent.substring(0, indent.length() - 2) + "- " : indent;
      first = false;
      Object v = e.getValue();
      if (v instanceof Setting s) {
        String line = lead + e.getKey() + ": " + scalar(s.shownValue());
        String comment = comment(s, filePrefix);
        sb.append(line);
        if (comment != null) {
          sb.append(" ".repeat(Math.max(1, COMMENT_COLUMN - line.length())))
              .append("# ")
              .append(comment);
        }
        sb.append('\n');
      } else if (v instanceof Binder.Section sec) {
        if (sec.items().isEmpty()) {
          sb.append(lead).append(e.getKey()).append(": []\n");
        } else {
          sb.append(lead).append(e.getKey()).append(":\n");
          for (Map<String, Object> item : sec.items()) {
            renderMap(item, indent + "    ", sb, true, filePrefix);
          }
        }
      } else if (v instanceof Map<?, ?> sub) {
        sb.append(lead).append(e.getKey()).append(":\n");
        @SuppressWarnings("unchecked")
        Map<String, Object> typed = (Map<String, Object>) sub;
        renderMap(typed, indent + "  ", sb, false, filePrefix);
      }
    }
  }

  private static String comment(Setting s, String filePrefix) {
    String origin = s.origin();
    if (origin != null && origin.startsWith(filePrefix)) {
      origin = "line " + origin.substring(filePrefix.length()); // from the recipe file itself
    }
    if (origin == null && s.note() == null) {
      return null;
    }
    if (s.note() == null) {
      return origin;
    }
    return origin == null ? s.note() : origin + " -- " + s.note();
  }

  static String scalar(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof Double d) {
      return Check.num(d);
    }
    if (v instanceof Number || v instanceof Boolean) {
      return String.valueOf(v);
    }
    if (v instanceof List<?> || v instanceof Map<?, ?>) {
      return JSON.toJson(normalize(v));
    }
    return JSON.toJson(String.valueOf(v));
  }

  private static Object normalize(Object v) {
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(x -> out.add(normalize(x)));
      return out;
    }
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new java.util.LinkedHashMap<>();
      m.forEach((k, x) -> out.put(String.valueOf(k), normalize(x)));
      return out;
    }
    if (v instanceof Long l) {
      return l;
    }
    return v;
  }

  @Override
  public String toString() {
    return render();
  }
}
