package ai.fairl.notebook;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.snakeyaml.engine.v2.api.Dump;
import org.snakeyaml.engine.v2.api.DumpSettings;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;
import org.snakeyaml.engine.v2.common.FlowStyle;

/**
 * The body of {@code %%fairl_train} (nested YAML) as recipe overrides {@code a.b.c=value}, the form
 * {@code Fairl.recipe(path, overrides...)} takes. Lists and maps below a key stay YAML flow values
 * ({@code reward_functions=[exact_match, digit]}).
 */
final class YamlOverrides {
  private YamlOverrides() {}

  static List<String> flatten(String yaml) {
    if (yaml == null || yaml.isBlank()) {
      return List.of();
    }
    Object root;
    try {
      root =
          new Load(LoadSettings.builder().setLabel("%%fairl_train cell").build())
              .loadFromString(yaml);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          "%%fairl_train: the cell body must be YAML overrides (e.g. training:\\n  max_steps: 5): "
              + e.getMessage(),
          e);
    }
    if (root == null) {
      return List.of();
    }
    if (!(root instanceof Map<?, ?> map)) {
      throw new IllegalArgumentException(
          "%%fairl_train: the cell body must be a YAML mapping of recipe keys, got: "
              + yaml.strip());
    }
    List<String> out = new ArrayList<>();
    walk("", map, out);
    return out;
  }

  private static void walk(String prefix, Map<?, ?> map, List<String> out) {
    for (Map.Entry<?, ?> e : map.entrySet()) {
      String key = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey();
      Object v = e.getValue();
      if (v instanceof Map<?, ?> m && !m.isEmpty()) {
        walk(key, m, out);
      } else {
        out.add(key + "=" + scalar(v));
      }
    }
  }

  private static String scalar(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String s) {
      return s;
    }
    if (v instanceof List<?> || v instanceof Map<?, ?>) {
      return new Dump(DumpSettings.builder().setDefaultFlowStyle(FlowStyle.FLOW).build())
          .dumpToString(v)
          .strip();
    }
    return String.valueOf(v);
  }
}
