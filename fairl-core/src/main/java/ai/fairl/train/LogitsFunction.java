package ai.fairl.train;

import ai.djl.ndarray.NDArray;

/**
 * A causal language model as objectives see it: token ids in, next-token logits out. The model
 * package's transformer is adapted to this with a lambda; tests use tiny doubles.
 */
@FunctionalInterface
public interface LogitsFunction {
  /**
   * @param inputIds (batch, seq) int64 token ids
   * @param attentionMask (batch, seq) int64, 1 for real tokens and 0 for padding
   * @param training whether dropout applies
   * @return (batch, seq, vocab) float logits; position t predicts token t + 1
   */
  NDArray logits(NDArray inputIds, NDArray attentionMask, boolean training);
}
