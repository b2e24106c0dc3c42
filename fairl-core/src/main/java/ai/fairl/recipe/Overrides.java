package ai.fairl.recipe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Command-line overrides {@code key.path=value}, applied to the parsed recipe before validation.
 *
 * <p>Paths nest by {@code .} and index lists by {@code [i]} ({@code data.datasets[0].name=x}); an
 * index equal to the list's size appends. Values are YAML 1.2 ({@code 3e-4}, {@code false}, {@code
 * [a, b]}, {@code {k: v}}); {@code null} (or Python's {@code None}) unsets the key so its default
 * applies; Python's {@code True}/{@code False} are booleans; an empty value is the empty string.
 * Departs from FAI-RL, where lowercase {@code false} stayed a (truthy) string and list indexes did
 * not work (bug B6).
 */
public final class Overrides {
  private Overrides() {}

  private static final Pattern SEGMENT =
      Pattern.compile("([A-Za-z_][A-Za-z0-9_\\-]*)((?:\\[-?\\d+\\])*)");
  private static final Pattern INDEX = Pattern.compile("\\[(-?\\d+)\\]");

  /** Applies overrides in order to {@code root} (a map node), changing it. */
  static void apply(YNode root, List<String> overrides) {
    for (String o : overrides) {
      applyOne(root, o);
    }
  }

  /** Parses an override's value text as YAML, with Python's None/True/False. */
  static Object parseValue(String text, String where) {
    String t = text.trim();
    switch (t) {
      case "None":
        return null;
      case "True":
        return Boolean.TRUE;
      case "False":
        return Boolean.FALSE;
      case "":
        return "";
      default:
        return YNode.parse(text, where, false).value;
    }
  }

  private static void applyOne(YNode root, String override) {
    String where = "override '" + Secrets.redactOverride(override) + "'";
    int eq = override.indexOf('=');
    if (eq <= 0) {
      throw new RecipeException(
          null,
          where,
          "an override must look like key=value",
          "write e.g. training.learning_rate=1e-5 (keys are relative to the recipe root)",
          null);
    }
    String path = override.substring(0, eq).trim();
    YNode value;
    try {
      value = new YNode(parseValue(override.substring(eq + 1), where), where);
    } catch (RecipeException e) {
      String last = path.substring(path.lastIndexOf('.') + 1).replaceAll("\\[\\d+]", "");
      if (!Secrets.looksSecret(last)) {
        throw e;
      }
      // the parser's message and cause quote the text: never show a secret's value
      throw new RecipeException(
          path,
          where,
          "the value of " + path + " is malformed YAML (not shown: it is a secret)",
          "quote the value: " + path + "='...'",
          null);
    }

    String[] segments = path.split("\\.", -1);
    YNode cur = root;
    StringBuilder walked = new StringBuilder();
    for (int i = 0; i < segments.length; i++) {
      Matcher m = SEGMENT.matcher(segments[i]);
      if (!m.matches()) {
        throw new RecipeException(
            path,
            where,
            "bad key path '" + path + "' (segment '" + segments[i] + "')",
            "use dotted names with optional list indexes, e.g. data.datasets[0].name=x",
            null);
      }
      String name = m.group(1);
      List<Integer> indexes = new ArrayList<>();
      Matcher im = INDEX.matcher(m.group(2));
      while (im.find()) {
        indexes.add(Integer.parseInt(im.group(1)));
      }
      boolean last = i == segments.length - 1;
      if (walked.length() > 0) {
        walked.append('.');
      }
      walked.append(name);
      if (!cur.isMap()) {
        if (cur.value == null) {
          cur.value = new LinkedHashMap<String, YNode>();
        } else {
          throw notSection(walked.toString(), where);
        }
      }
      Map<String, YNode> map = cur.map();
      if (indexes.isEmpty()) {
        if (last) {
          set(map, name, value);
          return;
        }
        cur = map.computeIfAbsent(name, k -> new YNode(new LinkedHashMap<String, YNode>(), where));
        continue;
      }
      YNode listNode = map.get(name);
      if (listNode == null || listNode.value == null) {
        listNode = new YNode(new ArrayList<YNode>(), where);
        map.put(name, listNode);
      }
      for (int j = 0; j < indexes.size(); j++) {
        if (!listNode.isList()) {
          throw new RecipeException(
              walked.toString(),
              where,
              walked + " is not a list, so it has no index [" + indexes.get(j) + "]",
              "drop the index, or set the whole list: " + walked + "=[...]",
              null);
        }
        List<YNode> list = listNode.list();
        int idx = indexes.get(j);
        String shown = walked + "[" + idx + "]";
        if (idx < 0 || idx > list.size()) {
          throw new RecipeException(
              shown,
              where,
              "list index "
                  + idx
                  + " is out of range for "
                  + walked
                  + ", which has "
                  + list.size()
                  + " item(s)",
              list.isEmpty()
                  ? "use index 0 to add the first item"
                  : "use an index from 0 to "
                      + (list.size() - 1)
                      + ", or "
                      + list.size()
                      + " to append an item",
              null);
        }
        walked.append('[').append(idx).append(']');
        boolean lastIndex = j == indexes.size() - 1;
        if (last && lastIndex) {
          if (value.value == null) {
            if (idx < list.size()) {
              list.remove(idx);
            }
          } else if (idx == list.size()) {
            list.add(value);
          } else {
            list.set(idx, value);
          }
          return;
        }
        if (idx == list.size()) {
          list.add(
              new YNode(
                  lastIndex ? new LinkedHashMap<String, YNode>() : new ArrayList<YNode>(), where));
        }
        listNode = list.get(idx);
      }
      cur = listNode;
    }
  }

  private static void set(Map<String, YNode> map, String name, YNode value) {
    if (value.value == null) {
      map.remove(name); // unset: the default applies
    } else {
      map.put(name, value);
    }
  }

  private static RecipeException notSection(String key, String where) {
    return new RecipeException(
        key,
        where,
        key + " is a value, not a section, so it has no sub-keys",
        "set " + key + "=... directly",
        null);
  }
}
