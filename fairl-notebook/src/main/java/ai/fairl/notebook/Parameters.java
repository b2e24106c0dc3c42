package ai.fairl.notebook;

import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * Papermill's parameters for Java notebooks. Values come from {@code -f params.yaml} and {@code -p
 * name value} (papermill's inference: {@code True}/{@code False}, {@code None}, int, float, else
 * string), and become Java declarations in the {@code injected-parameters} cell. Papermill has no
 * Java translator; this is one.
 *
 * <p>When the {@code parameters} cell declares {@code TYPE name = ...;}, the injected line keeps
 * that type ({@code double lr = 1;}, {@code String model = "7";}); otherwise it is {@code var name
 * = literal;} (JShell accepts re-declarations). {@code null} without a declared type becomes {@code
 * Object name = null;}.
 */
final class Parameters {
  private static final Pattern DECL =
      Pattern.compile(
          "^\\s*(?:final\\s+)?([A-Za-z_][\\w.]*(?:<[^=;]*>)?(?:\\[\\])*)\\s+([A-Za-z_]\\w*)\\s*=",
          Pattern.MULTILINE);

  private Parameters() {}

  /** Papermill's {@code -p} inference. */
  static Object infer(String raw) {
    switch (raw) {
      case "True":
        return Boolean.TRUE;
      case "False":
        return Boolean.FALSE;
      case "None":
        return null;
      default:
        break;
    }
    try {
      return Long.parseLong(raw);
    } catch (NumberFormatException e) {
      // not an int
    }
    try {
      return Double.parseDouble(raw);
    } catch (NumberFormatException e) {
      return raw;
    }
  }

  /** Reads a YAML mapping of parameters. */
  static Map<String, Object> readYaml(Path file) throws IOException {
    Object loaded;
    try {
      loaded =
          new Load(LoadSettings.builder().setLabel(file.toString()).build())
              .loadFromString(Files.readString(file));
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(file + ": not valid YAML: " + e.getMessage(), e);
    }
    if (loaded == null) {
      return new LinkedHashMap<>();
    }
    if (!(loaded instanceof Map<?, ?> m)) {
      throw new IllegalArgumentException(
          file + ": parameters must be a YAML mapping of name: value");
    }
    Map<String, Object> out = new LinkedHashMap<>();
    m.forEach((k, v) -> out.put(String.valueOf(k), v));
    return out;
  }

  /** The declared types in a parameters cell, by name. */
  static Map<String, String> declaredTypes(String parametersCell) {
    Map<String, String> types = new LinkedHashMap<>();
    Matcher m = DECL.matcher(parametersCell == null ? "" : parametersCell);
    while (m.find()) {
      types.put(m.group(2), m.group(1));
    }
    return types;
  }

  /** The injected cell's source. */
  static String codify(Map<String, Object> params, Map<String, String> declared) {
    StringBuilder sb = new StringBuilder("// Parameters\n");
    for (Map.Entry<String, Object> e : params.entrySet()) {
      String name = e.getKey();
      if (!name.matches("[A-Za-z_]\\w*")) {
        throw new IllegalArgumentException(
            "parameter name must be a Java identifier, got '" + name + "'");
      }
      String type = declared.get(name);
      Object v = e.getValue();
      if (type == null || type.equals("var")) {
        type = v == null ? "Object" : "var";
      }
      sb.append(type).append(' ').append(name).append(" = ").append(literal(v, type)).append(";\n");
    }
    return sb.toString();
  }

  static String literal(Object v, String type) {
    if (v == null) {
      return "null";
    }
    if (type.equals("String") && !(v instanceof String)) {
      return quote(String.valueOf(v));
    }
    if (v instanceof String s) {
      return quote(s);
    }
    if (v instanceof Boolean b) {
      return b.toString();
    }
    if (v instanceof Integer
        || v instanceof Long
        || v instanceof BigInteger
        || v instanceof Short) {
      long l = ((Number) v).longValue();
      if (type.equals("double") || type.equals("Double")) {
        return l + ".0";
      }
      if (type.equals("float") || type.equals("Float")) {
        return l + "f";
      }
      if (type.equals("long") || type.equals("Long")) {
        return l + "L";
      }
      return (l > Integer.MAX_VALUE || l < Integer.MIN_VALUE) ? l + "L" : Long.toString(l);
    }
    if (v instanceof Number n) {
      double d = n.doubleValue();
      if (Double.isNaN(d)) {
        return "Double.NaN";
      }
      if (Double.isInfinite(d)) {
        return d > 0 ? "Double.POSITIVE_INFINITY" : "Double.NEGATIVE_INFINITY";
      }
      return type.equals("float") || type.equals("Float") ? d + "f" : Double.toString(d);
    }
    if (v instanceof List<?> list) {
      List<String> items = new ArrayList<>();
      for (Object o : list) {
        if (o == null) {
          throw new IllegalArgumentException(
              "list parameters cannot hold null (java.util.List.of)");
        }
        items.add(literal(o, "var"));
      }
      return "java.util.List.of(" + String.join(", ", items) + ")";
    }
    if (v instanceof Map<?, ?> map) {
      List<String> entries = new ArrayList<>();
      for (Map.Entry<?, ?> en : map.entrySet()) {
        if (en.getValue() == null) {
          throw new IllegalArgumentException(
              "map parameters cannot hold null values (java.util.Map.of)");
        }
        entries.add(
            "java.util.Map.entry("
                + literal(String.valueOf(en.getKey()), "var")
                + ", "
                + literal(en.getValue(), "var")
                + ")");
      }
      return "java.util.Map.ofEntries(" + String.join(", ", entries) + ")";
    }
    return quote(String.valueOf(v));
  }

  static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20 || c > 0x7e) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    return sb.append('"').toString();
  }
}
