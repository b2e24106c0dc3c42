package ai.fairl.train.sft;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.fairl.train.LogProbs;
import ai.fairl.train.LogitsFunction;
import ai.fairl.train.Objective;
import ai.fairl.train.TokenBatch;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * SFT and CPT: next-token cross-entropy summed over label tokens (TRL's {@code nll}; the loop
 * divides by the label tokens of the whole accumulated step, TRL's {@code num_items_in_batch}).
 * Which tokens carry labels (whole text, completion only, assistant turns only) is decided by the
 * collator that built the {@link TokenBatch}.
 *
 * <p>Per-token log-probs come from {@link LogitsFunction#labelLogProbs} (a transformer with
 * fairl-native's training natives never forms the full fp32 logits).
 *
 * <p>Metrics: {@code mean_token_accuracy} (argmax equals the label) as TRL logs it.
 */
public final class SftObjective implements Objective<TokenBatch> {
  private final LogitsFunction model;

  public SftObjective(LogitsFunction model) {
    this.model = model;
  }

  @Override
  public Loss loss(TokenBatch batch, NDManager m, boolean training) {
    NDArray labels = batch.labelArray(m);
    LogitsFunction.LabelScores scores =
        model.labelLogProbs(batch.ids(m), batch.mask(m), labels, training, true);
    NDArray sum = scores.logProbs().sum().neg(); // logProbs (rows, seq - 1)
    double correct = scores.hits().sum().getFloat(); // hits (rows, seq - 1), 0 where ignored
    double count = LogProbs.mask(labels).sum().getFloat();
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("mean_token_accuracy", count > 0 ? correct / count : 0.0);
    return new Loss(sum, metrics);
  }
}
