package ai.fairl.recipe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.api.lowlevel.Compose;
import org.snakeyaml.engine.v2.exceptions.Mark;
import org.snakeyaml.engine.v2.exceptions.MarkedYamlEngineException;
import org.snakeyaml.engine.v2.exceptions.YamlEngineException;
import org.snakeyaml.engine.v2.nodes.MappingNode;
import org.snakeyaml.engine.v2.nodes.Node;
import org.snakeyaml.engine.v2.nodes.NodeTuple;
import org.snakeyaml.engine.v2.nodes.ScalarNode;
import org.snakeyaml.engine.v2.nodes.SequenceNode;
import org.snakeyaml.engine.v2.nodes.Tag;
import org.snakeyaml.engine.v2.schema.CoreSchema;

/**
 * A YAML value with the place it came from ({@code file:line} or an override). Scalars follow the
 * YAML 1.2 core schema ({@code 3e-4} is a number): String, Long, Double, Boolean or null; maps are
 * {@code LinkedHashMap<String, YNode>}, sequences {@code ArrayList<YNode>}.
 */
final class YNode {
  Object value;
  final String where;

  YNode(Object value, String where) {
    this.value = value;
    this.where = where;
  }

  @SuppressWarnings("unchecked")
  Map<String, YNode> map() {
    return (Map<String, YNode>) value;
  }

  @SuppressWarnings("unchecked")
  List<YNode> list() {
    return (List<YNode>) value;
  }

  boolean isMap() {
    return value instanceof Map;
  }

  boolean isList() {
    return value instanceof List;
  }

  /** A deep copy (overrides change copies, never the parsed file). */
  YNode copy() {
    if (isMap()) {
      Map<String, YNode> m = new LinkedHashMap<>();
      map().forEach((k, v) -> m.put(k, v.copy()));
      return new YNode(m, where);
    }
    if (isList()) {
      List<YNode> l = new ArrayList<>();
      list().forEach(v -> l.add(v.copy()));
      return new YNode(l, where);
    }
    return new YNode(value, where);
  }

  /** Plain Java value (maps, lists, scalars), for map-typed keys. */
  Object plain() {
    if (isMap()) {
      Map<String, Object> m = new LinkedHashMap<>();
      map().forEach((k, v) -> m.put(k, v.plain()));
      return m;
    }
    if (isList()) {
      List<Object> l = new ArrayList<>();
      list().forEach(v -> l.add(v.plain()));
      return l;
    }
    return value;
  }

  /**
   * Parses YAML text. {@code source} names it in messages (a path, or {@code override 'k=v'});
   * {@code withLines} appends {@code :line} to {@code source} for each node.
   */
  static YNode parse(String text, String source, boolean withLines) {
    LoadSettings settings =
        LoadSettings.builder()
            .setSchema(new CoreSchema())
            .setAllowDuplicateKeys(true) // we report duplicates ourselves, with both lines
            .setLabel(source)
            .build();
    try {
      Optional<Node> node = new Compose(settings).composeString(text);
      if (node.isEmpty()) {
        return new YNode(null, withLines ? source + ":1" : source);
      }
      return convert(node.get(), source, withLines);
    } catch (MarkedYamlEngineException e) {
      Optional<Mark> mark = e.getProblemMark().or(e::getContextMark);
      String where = mark.map(m -> source + ":" + (m.getLine() + 1)).orElse(source);
      String problem = e.getProblem() == null ? "syntax error" : e.getProblem();
      String context = e.getContext() == null ? "" : " (" + e.getContext() + ")";
      throw new RecipeException(
          null,
          withLines ? where : source,
          "malformed YAML: " + problem + context,
          withLines
              ? "check the indentation, colons and quotes near "
                  + mark.map(m -> "line " + (m.getLine() + 1)).orElse("the top")
              : "quote the value if it contains YAML syntax, e.g. key='[a, b]'",
          null); // not the parser's exception: its message quotes the text, which may hold a secret
    } catch (YamlEngineException e) {
      throw new RecipeException(null, source, "malformed YAML", "check the YAML syntax", null);
    }
  }

  private static YNode convert(Node node, String source, boolean withLines) {
    String where =
        withLines
            ? node.getStartMark().map(m -> source + ":" + (m.getLine() + 1)).orElse(source)
            : source;
    if (node instanceof ScalarNode s) {
      return new YNode(scalar(s), where);
    }
    if (node instanceof SequenceNode seq) {
      List<YNode> items = new ArrayList<>();
      for (Node n : seq.getValue()) {
        items.add(convert(n, source, withLines));
      }
      return new YNode(items, where);
    }
    MappingNode mapping = (MappingNode) node;
    Map<String, YNode> map = new LinkedHashMap<>();
    for (NodeTuple t : mapping.getValue()) {
      YNode k = convert(t.getKeyNode(), source, withLines);
      if (k.value instanceof Map || k.value instanceof List || k.value == null) {
        throw new RecipeException(
            null, k.where, "a key must be a plain word", "write key: value", null);
      }
      String key = String.valueOf(k.value);
      if (map.containsKey(key)) {
        throw new RecipeException(
            key,
            k.where,
            "duplicate key '" + key + "' (first at " + map.get(key).where + ")",
            "remove one of the two",
            null);
      }
      map.put(key, convert(t.getValueNode(), source, withLines));
    }
    return new YNode(map, where);
  }

  private static Object scalar(ScalarNode s) {
    Tag tag = s.getTag();
    String v = s.getValue();
    if (tag.equals(Tag.NULL)) {
      return null;
    }
    if (tag.equals(Tag.BOOL)) {
      return v.equalsIgnoreCase("true");
    }
    if (tag.equals(Tag.INT)) {
      String t = v.replace("_", "");
      try {
        if (t.startsWith("0x") || t.startsWith("0X")) {
          return Long.parseLong(t.substring(2), 16);
        }
        if (t.startsWith("0o")) {
          return Long.parseLong(t.substring(2), 8);
        }
        return Long.parseLong(t);
      } catch (NumberFormatException e) {
        return Double.parseDouble(t);
      }
    }
    if (tag.equals(Tag.FLOAT)) {
      String t = v.toLowerCase(java.util.Locale.ROOT);
      if (t.endsWith(".nan")) {
        return Double.NaN;
      }
      if (t.endsWith(".inf")) {
        return t.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
      }
      return Double.parseDouble(v);
    }
    return v;
  }
}
