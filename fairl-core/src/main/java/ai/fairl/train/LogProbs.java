package ai.fairl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.DataType;

/** Per-token log-probabilities of the tokens that follow, shared by SFT, DPO and reward code. */
public final class LogProbs {
  /** Label value that excludes a position from the loss (PyTorch's ignore_index). */
  public static final int IGNORE = -100;

  private LogProbs() {}

  /**
   * Log-probabilities of {@code labels[:, 1:]} under {@code logits[:, :-1]}, zero where the label
   * is {@link #IGNORE}.
   *
   * @param logits (batch, seq, vocab)
   * @param labels (batch, seq) int64, {@link #IGNORE} where no loss applies
   * @return (batch, seq - 1) float32
   */
  public static NDArray ofLabels(NDArray logits, NDArray labels) {
    long seq = logits.getShape().get(1);
    NDArray shifted = logits.get(new NDIndex(":, :{}, :", seq - 1)).toType(DataType.FLOAT32, false);
    NDArray target = labels.get(new NDIndex(":, 1:")); // (batch, seq - 1)
    NDArray valid = target.neq(IGNORE); // (batch, seq - 1) bool
    NDArray safe = target.mul(valid.toType(target.getDataType(), false));
    NDArray logp = shifted.logSoftmax(-1); // (batch, seq - 1, vocab)
    NDArray picked = logp.gather(safe.expandDims(-1), -1).squeeze(-1); // (batch, seq - 1)
    return picked.mul(valid.toType(DataType.FLOAT32, false));
  }

  /**
   * Where the argmax of {@code logits[:, :-1]} (first index on ties) equals {@code labels[:, 1:]}:
   * (batch, seq - 1) float32 of 0/1, zero where the label is {@link #IGNORE} (SFT's token
   * accuracy).
   *
   * @param logits (batch, seq, vocab)
   * @param labels (batch, seq) int64
   */
  public static NDArray hits(NDArray logits, NDArray labels) {
    long seq = logits.getShape().get(1);
    NDArray predicted = logits.get(new NDIndex(":, :{}, :", seq - 1)).argMax(-1); // (batch, seq-1)
    NDArray target = labels.get(new NDIndex(":, 1:"));
    return predicted.eq(target).toType(DataType.FLOAT32, false).mul(mask(labels));
  }

  /** The mask of positions counted by {@link #ofLabels}: (batch, seq - 1) float32 of 0/1. */
  public static NDArray mask(NDArray labels) {
    return labels.get(new NDIndex(":, 1:")).neq(IGNORE).toType(DataType.FLOAT32, false);
  }
}
