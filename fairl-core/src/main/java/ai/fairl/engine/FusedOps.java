/*
 * Fused kernels for models and trainers, each with a composite DJL fallback.
 *
 * FusedOps.get() returns fairl-native's kernels when the engine is fairl-native and the composite
 * DJL versions otherwise; FusedOps.composite() always returns the composite ones (tests compare
 * the two). Shapes follow PyTorch: attention is (batch, heads, seq, headDim).
 *
 * Simplified: the composite chosenLogProbs materialises the (rows, vocab) fp32 logits of one
 * chunk at a time in the forward pass but autograd keeps every chunk for backward; only the native
 * version recomputes chunks in backward. No dropout in attention (fine-tuning here runs without it).
 */
package ai.fairl.engine;

import ai.djl.ndarray.NDArray;
import java.util.List;
import java.util.Optional;

/**
 * Attention, RMSNorm, rotary embeddings, chosen-token log-probs, AdamW, gradient norm, scaling and
 * zeroing over all parameters at once, and CUDA memory stats.
 */
public sealed interface FusedOps permits NativeFusedOps, CompositeFusedOps {

  /** fairl-native's kernels when available, else the composite DJL versions. */
  static FusedOps get() {
    return EngineInfo.current().isFairlNative()
        ? NativeFusedOps.INSTANCE
        : CompositeFusedOps.INSTANCE;
  }

  /** The composite DJL versions, whatever the engine. */
  static FusedOps composite() {
    return CompositeFusedOps.INSTANCE;
  }

  /** True for fairl-native's kernels. */
  boolean isNative();

  /**
   * Scaled dot-product attention, softmax(q k^T * scale + mask) v.
   *
   * @param q (batch, heads, tq, dim)
   * @param k (batch, kvHeads, tk, dim), heads a multiple of kvHeads (grouped-query attention)
   * @param v (batch, kvHeads, tk, dim)
   * @param mask null, boolean (true = attend) or additive float, broadcastable to (batch, heads,
   *     tq, tk); padding masks are usually (batch, 1, 1, tk)
   * @param causal mask keys after each query (the last query sees every key)
   * @param scale the softmax scale, or <= 0 for 1/sqrt(dim)
   * @return (batch, heads, tq, dim)
   */
  NDArray attention(NDArray q, NDArray k, NDArray v, NDArray mask, boolean causal, double scale);

  /** RMSNorm over the last dim: weight * x / sqrt(mean(x^2) + eps), normalised in fp32. */
  NDArray rmsNorm(NDArray x, NDArray weight, double eps);

  /**
   * Rotary position embedding (Llama's rotate-half layout): x * cos + rotateHalf(x) * sin.
   *
   * @param x (batch, heads, seq, dim)
   * @param cos broadcastable to x, e.g. (1, 1, seq, dim)
   * @param sin broadcastable to x
   */
  NDArray rotary(NDArray x, NDArray cos, NDArray sin);

  /**
   * log softmax(hidden W^T)[target] without the full fp32 (rows, vocab) logits at once.
   *
   * @param hidden (..., h) final hidden states
   * @param lmHead (vocab, h) output projection
   * @param targets (...) int token ids
   * @param chunkRows rows of logits computed at a time
   * @return (...) fp32 log-probabilities
   */
  NDArray chosenLogProbs(NDArray hidden, NDArray lmHead, NDArray targets, int chunkRows);

  /**
   * One AdamW step in place (PyTorch's formula: decoupled weight decay, bias correction).
   *
   * @param step the 1-based step number
   */
  void adamw(
      List<NDArray> params,
      List<NDArray> grads,
      List<NDArray> expAvg,
      List<NDArray> expAvgSq,
      AdamW hyper,
      long step);

  /**
   * As {@link #adamw}, from the gradients the parameters hold ({@code p.getGradient()}); with
   * fairl-native one multi-tensor call, parameters without a gradient skipped as PyTorch does.
   */
  void adamwFromGradients(
      List<NDArray> params, List<NDArray> expAvg, List<NDArray> expAvgSq, AdamW hyper, long step);

  /**
   * The sum of squares of the gradients the parameters hold (the squared total norm of {@code
   * clip_grad_norm_}), accumulated in fp64 and read back once.
   */
  double gradSquaredNorm(List<NDArray> params);

  /** Multiplies every gradient the parameters hold by {@code coef}, in place. */
  void scaleGradients(List<NDArray> params, double coef);

  /**
   * Sets every gradient the parameters hold to zero in place, NaN and Inf included; the gradients
   * stay allocated (views into them stay valid).
   */
  void zeroGradients(List<NDArray> params);

  /** CUDA caching-allocator statistics of a GPU, empty where unavailable. */
  Optional<CudaMemory> cudaMemory(int device);

  /** Resets the peak statistics of a GPU (no-op where unavailable). */
  void resetPeakMemory(int device);

  /** Waits for queued GPU work (before reading a clock); no-op where unavailable. */
  void synchronize();

  /** AdamW hyper-parameters, validated. */
  record AdamW(double lr, double beta1, double beta2, double eps, double weightDecay) {
    public AdamW {
      if (!(lr >= 0)) {
        throw new IllegalArgumentException("AdamW.lr must be >= 0, got " + lr);
      }
      if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1)) {
        throw new IllegalArgumentException(
            "AdamW betas must be in [0, 1), got " + beta1 + ", " + beta2);
      }
      if (!(eps > 0)) {
        throw new IllegalArgumentException("AdamW.eps must be > 0, got " + eps);
      }
      if (!(weightDecay >= 0)) {
        throw new IllegalArgumentException("AdamW.weightDecay must be >= 0, got " + weightDecay);
      }
    }
  }

  /** Bytes in use and reserved by the CUDA caching allocator, with their peaks. */
  record CudaMemory(long allocated, long peakAllocated, long reserved, long peakReserved) {}
}
