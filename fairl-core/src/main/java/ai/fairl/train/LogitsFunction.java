package ai.fairl.train;

import ai.djl.ndarray.NDArray;
import ai.fairl.model.TransformerModel;

/**
 * A causal language model as objectives see it: token ids in, next-token logits out. The model
 * package's transformer is adapted to this with {@link #of}; tests use tiny doubles.
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

  /**
   * Per-token log-probs of the labels, what SFT and DPO need of the logits. By default from {@link
   * #logits} through {@link LogProbs#ofLabels} and {@link LogProbs#hits}; a transformer ({@link
   * #of}) with fairl-native's training natives skips the full fp32 logits (a chunked kernel over
   * the final hidden states and the LM head).
   *
   * @param inputIds (batch, seq) int64 token ids
   * @param attentionMask (batch, seq) int64, 1 for real tokens and 0 for padding
   * @param labels (batch, seq) int64, {@link LogProbs#IGNORE} where no loss applies
   * @param training whether dropout applies
   * @param withHits whether to compute {@link LabelScores#hits}
   */
  default LabelScores labelLogProbs(
      NDArray inputIds, NDArray attentionMask, NDArray labels, boolean training, boolean withHits) {
    NDArray logits = logits(inputIds, attentionMask, training); // (batch, seq, vocab)
    return new LabelScores(
        LogProbs.ofLabels(logits, labels), withHits ? LogProbs.hits(logits, labels) : null);
  }

  /**
   * What {@link #labelLogProbs} returns.
   *
   * @param logProbs (batch, seq - 1) float32: log-prob of {@code labels[:, 1:]}, 0 where ignored
   * @param hits (batch, seq - 1) float32 of 0/1: 1 where the argmax of the logits is the label
   *     (never where ignored); null unless asked for; carries no gradient
   */
  record LabelScores(NDArray logProbs, NDArray hits) {
    public LabelScores {
      if (logProbs == null) {
        throw new IllegalArgumentException("LabelScores needs the log-probs, got null");
      }
    }
  }

  /**
   * {@code model}'s forward as a logits function; its {@link #labelLogProbs} goes through
   * fairl-native's chunked chosen-token kernel where the training natives are available (a GPU with
   * fairl-native) and the LM head is a plain weight without active adapters.
   */
  static LogitsFunction of(TransformerModel model) {
    return new ModelLogits(model, false);
  }

  /**
   * As {@link #of}, with the model's adapters switched off for each call and dropout off: the
   * frozen base, a LoRA policy's reference.
   */
  static LogitsFunction withoutAdapters(TransformerModel model) {
    return new ModelLogits(model, true);
  }
}
