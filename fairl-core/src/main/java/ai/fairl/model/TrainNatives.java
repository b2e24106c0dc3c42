/*
 * fairl-native's training-step natives (fairl-native/src/train.cc): a whole decoder layer in one
 * JNI call (TransformerModel#setFusedLayers), and the optimizer's gradient bookkeeping (all
 * gradients in one call, gradients set to None between steps).
 *
 * Simplified: with stock DJL natives the library lacks these symbols; available() then says false
 * and callers keep the composite path (DecoderLayer in DJL operations, grads zeroed through DJL).
 */
package ai.fairl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.engine.PtNDArray;
import ai.djl.pytorch.engine.PtNDManager;
import ai.fairl.engine.EngineInfo;
import java.util.ArrayList;
import java.util.List;

/** Training-step natives of fairl-native, with availability checked once. */
public final class TrainNatives {
  private TrainNatives() {}

  private static volatile Boolean available;

  /** Whether the running engine is fairl-native with these natives (checked once per JVM). */
  public static boolean available() {
    Boolean a = available;
    if (a == null) {
      boolean ok = false;
      if (EngineInfo.current().isFairlNative()) {
        try {
          clearGradients(new long[0]);
          ok = true;
        } catch (UnsatisfiedLinkError e) {
          ok = false;
        }
      }
      available = a = ok;
    }
    return a;
  }

  static native long decoderLayer(
      long h,
      long[] weights,
      long[] biases,
      long[] norms,
      long[] loraA,
      long[] loraB,
      double[] loraScale,
      long cos,
      long sin,
      long mask,
      int heads,
      int kvHeads,
      int headDim,
      double eps,
      double scale);

  private static native long[] gradients(long[] params);

  private static native void setFusedNorm(boolean on);

  private static native long chosenLogProbs(long hidden, long weight, long targets, long chunkRows);

  /**
   * Whether the fused decoder layer normalises with PyTorch's fused RMSNorm kernel on a GPU
   * (default true; PyTorch 2.4+): one kernel each way instead of about eight, rounding once where
   * the composite (Hugging Face's LlamaRMSNorm) rounds the normalised value before the weight
   * multiply. Off: the composite, as the DJL path. Needs {@link #available()}.
   */
  public static void useFusedRmsNorm(boolean on) {
    setFusedNorm(on);
  }

  /**
   * Log-probabilities of the chosen tokens, {@code log_softmax(hidden W^T)[target]}, (...) fp32,
   * without fp32 logits of all rows at once: the forward takes {@code chunkRows} rows at a time and
   * keeps the (rows, vocab) logits in hidden's dtype for the backward, which then needs one matrix
   * product per gradient (and none for a frozen {@code weight}). Needs {@link #available()}.
   *
   * @param hidden (..., h)
   * @param weight (vocab, h), hidden's dtype
   * @param targets (...) int64
   */
  public static NDArray chosenLogProbs(
      NDArray hidden, NDArray weight, NDArray targets, int chunkRows) {
    return wrap(hidden, chosenLogProbs(handle(hidden), handle(weight), handle(targets), chunkRows));
  }

  private static native long[] chosenLogProbsHits(
      long hidden, long weight, long targets, long chunkRows);

  /**
   * As {@link #chosenLogProbs}, plus whether each row's argmax of the logits is its target (first
   * index on ties, as {@code torch.argmax}), taken from the chunk's logits in the forward: no
   * gradient flows through it. Needs {@link #available()}.
   *
   * @param hidden (..., h)
   * @param weight (vocab, h), hidden's dtype
   * @param targets (...) int64, each in [0, vocab)
   * @return {log-probs (...) fp32, hits (...) boolean}
   */
  public static NDArray[] chosenLogProbsWithHits(
      NDArray hidden, NDArray weight, NDArray targets, int chunkRows) {
    long[] h = chosenLogProbsHits(handle(hidden), handle(weight), handle(targets), chunkRows);
    return new NDArray[] {wrap(hidden, h[0]), wrap(hidden, h[1])};
  }

  private static native void clearGradients(long[] params);

  static long handle(NDArray a) {
    if (a == null) {
      return 0L;
    }
    if (!(a instanceof PtNDArray pt)) {
      throw new IllegalArgumentException(
          "fairl-native natives need PyTorch NDArrays, got " + a.getClass().getName());
    }
    return pt.getHandle();
  }

  private static long[] handles(List<NDArray> arrays) {
    long[] h = new long[arrays.size()];
    for (int i = 0; i < h.length; i++) {
      h[i] = handle(arrays.get(i));
    }
    return h;
  }

  /** Wraps a fresh native handle as an NDArray owned by {@code like}'s manager. */
  static NDArray wrap(NDArray like, long handle) {
    return new PtNDArray((PtNDManager) like.getManager(), handle);
  }

  /**
   * The gradients of {@code params} in one native call, each owned by {@code owner} (null where a
   * parameter has no gradient yet). Needs {@link #available()}.
   */
  public static List<NDArray> gradients(List<NDArray> params, NDManager owner) {
    long[] g = gradients(handles(params));
    List<NDArray> out = new ArrayList<>(g.length);
    for (long h : g) {
      out.add(h == 0 ? null : new PtNDArray((PtNDManager) owner, h));
    }
    return out;
  }

  /**
   * Sets the gradients of {@code params} to None (PyTorch's {@code zero_grad(set_to_none=True)}):
   * their memory returns to the allocator once no other array holds it, and the next backward
   * allocates them afresh. Needs {@link #available()}.
   */
  public static void clearGradients(List<NDArray> params) {
    clearGradients(handles(params));
  }
}
