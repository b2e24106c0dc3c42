package ai.fairl.train.reward;

import ai.djl.ndarray.NDArray;

/**
 * A sequence-classification model with one label: a scalar score per sequence, read from the last
 * real token (Hugging Face's {@code *ForSequenceClassification} with {@code num_labels = 1}).
 */
@FunctionalInterface
public interface ScoreFunction {
  /**
   * @param inputIds (batch, seq) int64, right-padded
   * @param attentionMask (batch, seq) int64
   * @param training whether dropout applies
   * @return (batch) float scores
   */
  NDArray scores(NDArray inputIds, NDArray attentionMask, boolean training);
}
