package ai.fairl.data;

/**
 * A row that could not become an example, reported with where it came from (never dropped
 * silently).
 *
 * @param source the dataset (file or Hub id)
 * @param index 0-based row index within that dataset
 * @param reason what was wrong, e.g. {@code chosen is empty}
 */
public record BadRow(String source, int index, String reason) {
  @Override
  public String toString() {
    return source + " row " + index + ": " + reason;
  }
}
