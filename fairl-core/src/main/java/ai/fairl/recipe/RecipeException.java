package ai.fairl.recipe;

/**
 * A recipe or override that cannot be used. The message names what is wrong, where ({@code
 * file:line}, or the override), the key, and how to fix it. CLIs print {@link #cause()} and {@link
 * #hint()} and exit with status 2.
 */
public final class RecipeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String key;
  private final String where;
  private final String problem;
  private final String hint;

  /**
   * @param key the dotted key concerned ({@code training.learning_rate}), or null
   * @param problem what is wrong, naming the key and the value
   * @param hint how to fix it, or null
   */
  public RecipeException(String key, String problem, String hint) {
    this(key, null, problem, hint, null);
  }

  RecipeException(String key, String where, String problem, String hint, Throwable cause) {
    super(compose(where, problem, hint), cause);
    this.key = key;
    this.where = where;
    this.problem = problem;
    this.hint = hint;
  }

  private static String compose(String where, String problem, String hint) {
    String line = where == null ? problem : where + ": " + problem;
    return hint == null ? line : line + "\n  hint: " + hint;
  }

  /** The dotted key concerned, or null. */
  public String key() {
    return key;
  }

  /** Where: {@code file:line}, {@code override 'k=v'}, or null. */
  public String where() {
    return where;
  }

  /** The one-line cause, with the location in front when known. */
  public String cause() {
    return where == null ? problem : where + ": " + problem;
  }

  /** The problem without location. */
  public String problem() {
    return problem;
  }

  /** How to fix it, or null. */
  public String hint() {
    return hint;
  }

  /** A copy located at {@code where}, unless already located. */
  RecipeException at(String newWhere) {
    if (where != null || newWhere == null) {
      return this;
    }
    return new RecipeException(key, newWhere, problem, hint, getCause());
  }

  /** A copy whose key (and message) has {@code from} replaced by {@code to} as a key prefix. */
  RecipeException rekey(String from, String to) {
    if (key == null || !key.startsWith(from)) {
      return this;
    }
    String k = to + key.substring(from.length());
    String p = problem.replace(from, to);
    String h = hint == null ? null : hint.replace(from, to);
    return new RecipeException(k, where, p, h, getCause());
  }
}
