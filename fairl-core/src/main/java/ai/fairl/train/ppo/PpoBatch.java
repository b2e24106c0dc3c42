package ai.fairl.train.ppo;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.fairl.train.Batch;
import java.util.Map;

/**
 * One PPO micro-batch: rows of a left-padded prompt and a right-padded response, with the rollout's
 * log-probs, values, advantages (whitened) and returns per response token. The loss is a masked
 * mean per micro-batch, so it counts as one item (TRL averages micro-batches).
 */
public record PpoBatch(
    int rows,
    int promptLen,
    int responseLen,
    long[] inputIds,
    long[] attentionMask,
    float[] responseMask,
    float[] oldLogp,
    float[] oldValues,
    float[] advantages,
    float[] returns,
    Map<String, Double> metrics)
    implements Batch {

  public PpoBatch {
    int n = rows * responseLen;
    if (inputIds.length != rows * (promptLen + responseLen)
        || responseMask.length != n
        || oldLogp.length != n
        || oldValues.length != n
        || advantages.length != n
        || returns.length != n) {
      throw new IllegalArgumentException("PpoBatch arrays do not match rows x lengths");
    }
    metrics = Map.copyOf(metrics);
  }

  @Override
  public long lossItems() {
    return 1;
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
    return m.create(inputIds, new Shape(rows, promptLen + responseLen)); // (B, P + R)
  }

  NDArray mask(NDManager m) {
    return m.create(attentionMask, new Shape(rows, promptLen + responseLen)); // (B, P + R)
  }

  NDArray perToken(NDManager m, float[] a) {
    return m.create(a, new Shape(rows, responseLen)); // (B, R)
  }

  NDArray responseIds(NDManager m) {
    long[] out = new long[rows * responseLen];
    int s = promptLen + responseLen;
    for (int r = 0; r < rows; r++) {
      System.arraycopy(inputIds, r * s + promptLen, out, r * responseLen, responseLen);
    }
    return m.create(out, new Shape(rows, responseLen)); // (B, R)
  }
}
