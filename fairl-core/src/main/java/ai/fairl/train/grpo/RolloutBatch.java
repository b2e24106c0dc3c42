package ai.fairl.train.grpo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.fairl.train.Batch;
import java.util.Map;

/**
 * One GRPO micro-batch of rollouts, as plain arrays until the objective turns them into NDArrays in
 * the step's scope. Each row is the prompt left-padded to {@code promptLen} followed by the
 * completion right-padded to {@code completionLen}.
 *
 * @param rows B completions
 * @param promptLen P
 * @param completionLen C
 * @param inputIds (B, P + C) row-major
 * @param attentionMask (B, P + C), 1 on real tokens
 * @param completionMask (B, C), 1 on completion tokens that count in the loss (through the first
 *     EOS; all 0 for a masked truncated completion)
 * @param oldLogp (B, C) generation-time log-probs, or null when the update is on-policy
 * @param refLogp (B, C) reference log-probs, or null when beta is 0
 * @param advantages (B)
 * @param items what the loss sums over (see {@link GrpoLoss})
 * @param metrics the generation batch's reward and length metrics, reported with this batch
 */
public record RolloutBatch(
    int rows,
    int promptLen,
    int completionLen,
    long[] inputIds,
    long[] attentionMask,
    float[] completionMask,
    float[] oldLogp,
    float[] refLogp,
    float[] advantages,
    long items,
    Map<String, Double> metrics)
    implements Batch {

  public RolloutBatch {
    int s = promptLen + completionLen;
    if (inputIds.length != rows * s || attentionMask.length != rows * s) {
      throw new IllegalArgumentException("RolloutBatch ids and mask must hold rows * (P + C)");
    }
    if (completionMask.length != rows * completionLen || advantages.length != rows) {
      throw new IllegalArgumentException("RolloutBatch completion mask / advantages sizes differ");
    }
    metrics = Map.copyOf(metrics);
  }

  @Override
  public long lossItems() {
    return items;
  }

  @Override
  public long tokens() {
    long n = 0;
    for (long m : attentionMask) {
      n += m;
    }
    return n;
  }

  NDArray ids(NDManager m) {
    return m.create(inputIds, new Shape(rows, promptLen + completionLen)); // (B, P + C)
  }

  NDArray mask(NDManager m) {
    return m.create(attentionMask, new Shape(rows, promptLen + completionLen)); // (B, P + C)
  }

  NDArray completionMask(NDManager m) {
    return m.create(completionMask, new Shape(rows, completionLen)); // (B, C)
  }

  NDArray completionIds(NDManager m) {
    long[] out = new long[rows * completionLen];
    int s = promptLen + completionLen;
    for (int r = 0; r < rows; r++) {
      System.arraycopy(inputIds, r * s + promptLen, out, r * completionLen, completionLen);
    }
    return m.create(out, new Shape(rows, completionLen)); // (B, C)
  }

  static NDArray array(NDManager m, float[] a, int rows, int cols) {
    return a == null ? null : m.create(a, new Shape(rows, cols));
  }
}
