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
 * <p>Metrics: {@code mean_token_accuracy} (argmax equals the label) as TRL logs it.
 */
public final class SftObjective implements Objective<TokenBatch> {
  private final LogitsFunction model;

  public SftObjective(LogitsFunction model) {
    this.model = model;
  }

  @Override
  public Loss loss(TokenBatch batch, NDManager m, boolean training) {
    {
      NDArray ids = batch.ids(m);
      NDArray mask = batch.mask(m);
      NDArray labels = batch.labelArray(m);
      NDArray logits = model.logits(ids, mask, training); // (rows, seq, vocab)
      NDArray logp = LogProbs.ofLabels(logits, labels); // (rows, seq - 1)
      NDArray valid = LogProbs.mask(labels);
      NDArray sum = logp.sum().neg();
      long seq = batch.seq();
      NDArray predicted = logits.get(":, :{}, :", seq - 1).argMax(-1); // (rows, seq - 1)
      NDArray target = labels.get(":, 1:");
      double correct =
          predicted
              .eq(target)
              .toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
              .mul(valid)
              .sum()
              .getFloat();
      double count = valid.sum().getFloat();
      Map<String, Double> metrics = new LinkedHashMap<>();
      metrics.put("mean_token_accuracy", count > 0 ? correct / count : 0.0);
      return new Loss(sum, metrics);
    }
  }
}
