package ai.fairl.train;

/**
 * Preference pairs for DPO and reward modelling: {@code rows} holds {@code 2 * pairs} rows, the
 * chosen {@code prompt + chosen} sequences first and then the rejected ones, with labels on
 * completion tokens only (DPO; reward modelling reads the attention mask). When the reference
 * log-probs were precomputed ({@code precompute_ref_log_probs}), {@code refChosen} and {@code
 * refRejected} carry them; otherwise they are null.
 */
public record PreferenceBatch(int pairs, TokenBatch rows, double[] refChosen, double[] refRejected)
    implements Batch {
  public PreferenceBatch {
    if (rows.rows() != 2 * pairs) {
      throw new IllegalArgumentException(
          "a PreferenceBatch of "
              + pairs
              + " pairs needs "
              + 2 * pairs
              + " rows, got "
              + rows.rows());
    }
    if ((refChosen == null) != (refRejected == null)
        || (refChosen != null && (refChosen.length != pairs || refRejected.length != pairs))) {
      throw new IllegalArgumentException("precomputed reference log-probs need one per pair");
    }
  }

  @Override
  public long lossItems() {
    return pairs;
  }

  @Override
  public long tokens() {
    return rows.tokens();
  }
}
