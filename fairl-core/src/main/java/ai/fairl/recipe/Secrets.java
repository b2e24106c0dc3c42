package ai.fairl.recipe;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Which recipe values are secrets, and their redacted form {@code ***}. A key is secret when its
 * {@link Key#secret()} says so, or when its name has a part {@code key}, {@code apikey}, {@code
 * token}, {@code secret}, {@code password} or {@code authorization} ({@code api_key}, {@code
 * X-Api-Key}, {@code hf_token}; not {@code max_new_tokens}).
 */
public final class Secrets {
  private Secrets() {}

  /** What secrets are printed as. */
  public static final String MASK = "***";

  private static final Set<String> PARTS =
      Set.of("key", "apikey", "token", "secret", "password", "authorization", "passwd");

  /** True when a key with this name holds a secret. */
  public static boolean looksSecret(String name) {
    String n = name.toLowerCase(Locale.ROOT);
    for (String part : n.split("[_\\-.\\s]+")) {
      if (PARTS.contains(part)) {
        return true;
      }
    }
    return false;
  }

  /** An override {@code key=value} as it may be shown: {@code key=***} when the key is secret. */
  public static String redactOverride(String override) {
    int eq = override.indexOf('=');
    if (eq > 0) {
      String key = override.substring(0, eq).trim();
      String last = key.substring(key.lastIndexOf('.') + 1).replaceAll("\\[\\d+]", "");
      if (looksSecret(last)) {
        return key + "=" + MASK;
      }
    }
    return override;
  }

  /** A copy of a plain value (maps, lists, scalars) with secret-named entries masked. */
  static Object redactPlain(Object v) {
    if (v instanceof Map<?, ?> m) {
      Map<String, Object> out = new LinkedHashMap<>();
      m.forEach(
          (k, x) -> {
            String key = String.valueOf(k);
            out.put(key, looksSecret(key) && x != null ? MASK : redactPlain(x));
          });
      return out;
    }
    if (v instanceof List<?> l) {
      List<Object> out = new ArrayList<>();
      l.forEach(x -> out.add(redactPlain(x)));
      return out;
    }
    return v;
  }
}
