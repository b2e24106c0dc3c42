package ai.fairl.recipe;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/** Validation helpers for the recipe records; every failure names the key, value and fix. */
final class Check {
  private Check() {}

  static void positive(String key, double v) {
    if (!(v > 0) || Double.isInfinite(v)) {
      throw new RecipeException(
          key, key + " must be > 0, got " + num(v), "set " + key + " to a positive number");
    }
  }

  static void atLeast(String key, long v, long min) {
    if (v < min) {
      throw new RecipeException(
          key, key + " must be >= " + min + ", got " + v, "set " + key + " to " + min + " or more");
    }
  }

  static void nonNegative(String key, double v) {
    if (!(v >= 0) || Double.isInfinite(v)) {
      throw new RecipeException(
          key, key + " must be >= 0, got " + num(v), "set " + key + " to 0 or a positive number");
    }
  }

  /** {@code lo <= v < hi} when {@code hiOpen}, else {@code lo <= v <= hi}. */
  static void range(String key, double v, double lo, double hi, boolean hiOpen) {
    boolean ok = v >= lo && (hiOpen ? v < hi : v <= hi);
    if (!ok) {
      String range = "[" + num(lo) + ", " + num(hi) + (hiOpen ? ")" : "]");
      throw new RecipeException(
          key,
          key + " must be in " + range + ", got " + num(v),
          "set " + key + " to a value in " + range);
    }
  }

  static void nonBlank(String key, String v) {
    if (v == null || v.isBlank()) {
      throw new RecipeException(
          key, key + " must not be empty", "give " + key + " a value (see docs/recipe-keys.md)");
    }
  }

  /** Returns the allowed spelling of {@code v} (case-insensitive), or throws. */
  static String oneOf(String key, String v, String... allowed) {
    if (v == null) {
      return null;
    }
    for (String a : allowed) {
      if (a.equalsIgnoreCase(v.trim())) {
        return a;
      }
    }
    List<String> all = Arrays.asList(allowed);
    String suggestion = Suggest.closest(v.toLowerCase(Locale.ROOT), all);
    throw new RecipeException(
        key,
        key + " must be one of " + String.join(", ", all) + "; got '" + v + "'",
        suggestion != null
            ? "did you mean '" + suggestion + "'? set " + key + ": " + suggestion
            : "set " + key + " to one of " + String.join(", ", all));
  }

  static void require(boolean ok, String key, String problem, String hint) {
    if (!ok) {
      throw new RecipeException(key, problem, hint);
    }
  }

  /** A number as Python prints it: {@code 1e-05}, {@code 0.0001}, {@code 3}, {@code 2.5}. */
  static String num(double v) {
    if (Double.isNaN(v)) {
      return "nan";
    }
    if (Double.isInfinite(v)) {
      return v > 0 ? "inf" : "-inf";
    }
    if (v == Math.rint(v) && Math.abs(v) < 1e16) {
      return Long.toString((long) v) + ".0";
    }
    BigDecimal d = new BigDecimal(Double.toString(v)).stripTrailingZeros();
    int exp = d.precision() - d.scale() - 1; // decimal exponent of the first digit
    if (exp < -4 || exp >= 16) {
      String digits = d.unscaledValue().abs().toString();
      String mant = digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
      String sign = v < 0 ? "-" : "";
      String es = (exp < 0 ? "-" : "+") + String.format(Locale.ROOT, "%02d", Math.abs(exp));
      return sign + mant + "e" + es;
    }
    return d.toPlainString();
  }

  /** A value as shown in messages: strings quoted, numbers as Python prints them. */
  static String show(Object v) {
    if (v == null) {
      return "null";
    }
    if (v instanceof String s) {
      return "'" + s + "'";
    }
    if (v instanceof Double d) {
      return num(d);
    }
    return String.valueOf(v);
  }
}
