/*
 * Adapters from the model's replaceable kernels (AttentionKernel, NormKernel) to FusedOps.
 *
 * Simplified: with assumeNoPadding the attention of several queries passes no mask (PyTorch then
 * picks the flash kernel with is_causal), which is right only for inputs without padding, as in the
 * benchmarks; otherwise, and always for a single query (decode steps over a static KV cache), the
 * key mask goes in as a boolean (batch, 1, 1, total) mask. Sliding-window
 * attention falls back to the model's additive mask.
 */
package ai.fairl.bench;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.fairl.engine.FusedOps;
import ai.fairl.model.AttentionKernel;
import ai.fairl.model.TransformerModel;

/** Puts fairl-native's SDPA and RMSNorm into a model. */
final class FusedKernels {
  private FusedKernels() {}

  /** Installs the fused kernels when {@code ops} is native; returns whether it did. */
  static boolean install(TransformerModel model, FusedOps ops, boolean assumeNoPadding) {
    if (!ops.isNative()) {
      return false;
    }
    model.setAttentionKernel(attention(ops, assumeNoPadding));
    model.setNormKernel((x, w, eps) -> ops.rmsNorm(x, w, eps));
    return true;
  }

  static AttentionKernel attention(FusedOps ops, boolean assumeNoPadding) {
    return (q, k, v, mask, scale) -> {
      if (mask.slidingWindow() > 0) {
        return ops.attention(q, k, v, mask.additive(), false, scale);
      }
      long tq = q.getShape().get(2);
      NDArray m = null;
      // one query (a decode step) always gets its key mask: a static KV cache holds unwritten
      // slots, and causality is then a no-op
      if ((tq == 1 || !assumeNoPadding) && mask.keyPadding() != null) {
        long b = mask.keyPadding().getShape().get(0);
        long total = mask.keyPadding().getShape().get(1);
        m = mask.keyPadding().toType(DataType.BOOLEAN, false).reshape(b, 1, 1, total);
      }
      return ops.attention(q, k, v, m, tq > 1, scale);
    };
  }
}
