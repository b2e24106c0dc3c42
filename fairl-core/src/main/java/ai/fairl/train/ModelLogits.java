/*
 * A TransformerModel as the objectives' LogitsFunction (LogitsFunction.of / withoutAdapters).
 * labelLogProbs skips the (rows, seq, vocab) fp32 logits and their fp32 log-softmax: the forward
 * stops at the final hidden states (logitsToKeep 1) and fairl-native's chunked chosen-token kernel
 * (TrainNatives.chosenLogProbs, train.cc) takes them with the LM head, as `fairl bench` does.
 *
 * Simplified: the kernel needs fairl-native's training natives and a plain LM head (lm_head, or
 * the tied embed_tokens) without bias or active adapters; otherwise, and for sequence
 * classification models, the default path through the full logits runs.
 */
package ai.fairl.train;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.fairl.model.Linear;
import ai.fairl.model.PlainWeightStore;
import ai.fairl.model.TrainNatives;
import ai.fairl.model.TransformerModel;

/** {@link LogitsFunction} of a {@link TransformerModel}, with the fused label log-prob path. */
final class ModelLogits implements LogitsFunction {
  /** Rows of fp32 logits the kernel holds at once (as `fairl bench`). */
  static final int CHUNK_ROWS = 1024;

  private final TransformerModel model;
  private final boolean withoutAdapters;

  ModelLogits(TransformerModel model, boolean withoutAdapters) {
    if (model == null) {
      throw new IllegalArgumentException("LogitsFunction.of needs a model, got null");
    }
    this.model = model;
    this.withoutAdapters = withoutAdapters;
  }

  @Override
  public NDArray logits(NDArray inputIds, NDArray attentionMask, boolean training) {
    if (!withoutAdapters) {
      return model.forward(inputIds, attentionMask, null, null, training).logits();
    }
    model.setAdaptersEnabled(false);
    try {
      return model.forward(inputIds, attentionMask, null, null, false).logits();
    } finally {
      model.setAdaptersEnabled(true);
    }
  }

  @Override
  public LabelScores labelLogProbs(
      NDArray inputIds, NDArray attentionMask, NDArray labels, boolean training, boolean withHits) {
    if (!withoutAdapters) {
      return scores(inputIds, attentionMask, labels, training, withHits);
    }
    model.setAdaptersEnabled(false);
    try {
      return scores(inputIds, attentionMask, labels, false, withHits);
    } finally {
      model.setAdaptersEnabled(true);
    }
  }

  private LabelScores scores(
      NDArray ids, NDArray mask, NDArray labels, boolean training, boolean withHits) {
    NDArray head = plainHead();
    if (head == null || !TrainNatives.available()) {
      NDArray logits = model.forward(ids, mask, null, null, training).logits(); // (b, s, vocab)
      return new LabelScores(
          LogProbs.ofLabels(logits, labels), withHits ? LogProbs.hits(logits, labels) : null);
    }
    long s = ids.getShape().get(1);
    NDArray states = model.forward(ids, mask, null, null, training, 1).hiddenStates();
    NDArray hidden = states.get(":, :{}, :", s - 1); // (b, s - 1, hidden)
    NDArray target = labels.get(":, 1:"); // (b, s - 1)
    NDArray valid = target.neq(LogProbs.IGNORE); // (b, s - 1) bool
    NDArray safe =
        target.mul(valid.toType(target.getDataType(), false)).toType(DataType.INT64, false);
    NDArray w = head;
    if (w.getDataType() != hidden.getDataType()) {
      // a cast of this step (gradients reach the fp32 master through it), as the forward's head
      w = head.toType(hidden.getDataType(), false);
      w.attach(hidden.getManager());
    }
    NDArray counted = valid.toType(DataType.FLOAT32, false);
    if (!withHits) {
      NDArray logp = TrainNatives.chosenLogProbs(hidden, w, safe, CHUNK_ROWS); // (b, s - 1)
      return new LabelScores(logp.mul(counted), null);
    }
    NDArray[] r = TrainNatives.chosenLogProbsWithHits(hidden, w, safe, CHUNK_ROWS);
    return new LabelScores(
        r[0].mul(counted), r[1].toType(DataType.FLOAT32, false).mul(counted)); // (b, s - 1) each
  }

  /** The LM head's (vocab, hidden) weight when the kernel can take it, else null. */
  private NDArray plainHead() {
    if (model.config().isSequenceClassification()) {
      return null;
    }
    Linear head = model.linears().get("lm_head");
    if (head == null) {
      return model.parameters().get("model.embed_tokens.weight"); // tied
    }
    boolean adapters = head.adaptersEnabled() && !head.adapters().isEmpty();
    if (adapters || head.bias() != null || !(head.weightStore() instanceof PlainWeightStore p)) {
      return null;
    }
    return p.weight();
  }
}
