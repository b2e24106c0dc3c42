package ai.fairl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;

/**
 * Padded token rows for language-model objectives (SFT, CPT, one side of a DPO pair): ids, the
 * attention mask and labels ({@link LogProbs#IGNORE} where no loss applies), all (rows, seq) and
 * right-padded. Plain Java arrays until {@link #ids} etc. turn them into NDArrays in a step's
 * scope.
 *
 * @param rows number of sequences
 * @param seq padded length
 * @param inputIds row-major (rows * seq)
 * @param attentionMask row-major, 1 real token and 0 padding
 * @param labels row-major, the token id or {@link LogProbs#IGNORE}
 */
public record TokenBatch(int rows, int seq, long[] inputIds, long[] attentionMask, long[] labels)
    implements Batch {
  public TokenBatch {
    long n = (long) rows * seq;
    if (inputIds.length != n || attentionMask.length != n || labels.length != n) {
      throw new IllegalArgumentException(
          "TokenBatch arrays must hold rows * seq = " + n + " values each");
    }
  }

  /** Label tokens that count: positions 1..seq-1 whose label is not ignored. */
  @Override
  public long lossItems() {
    long c = 0;
    for (int r = 0; r < rows; r++) {
      for (int t = 1; t < seq; t++) {
        if (labels[r * seq + t] != LogProbs.IGNORE) {
          c++;
        }
      }
    }
    return c;
  }

  @Override
  public long tokens() {
    long c = 0;
    for (long m : attentionMask) {
      c += m;
    }
    return c;
  }

  /** (rows, seq) int64. */
  public NDArray ids(NDManager m) {
    return m.create(inputIds, new Shape(rows, seq)).toType(DataType.INT64, false);
  }

  /** (rows, seq) int64. */
  public NDArray mask(NDManager m) {
    return m.create(attentionMask, new Shape(rows, seq));
  }

  /** (rows, seq) int64. */
  public NDArray labelArray(NDManager m) {
    return m.create(labels, new Shape(rows, seq));
  }
}
