package ai.fairl.recipe;

/**
 * One resolved key: its dotted path, effective value, where the value came from ({@code file:line},
 * an override, or {@code default (TRL)}), and a note ({@code no effect here: ...}).
 */
public record Setting(String key, Object value, String origin, String note, boolean secret) {

  /** The value as it may be printed or saved: secrets are {@code ***}. */
  public Object shownValue() {
    if (secret && value != null) {
      return Secrets.MASK;
    }
    return Secrets.redactPlain(value);
  }
}
