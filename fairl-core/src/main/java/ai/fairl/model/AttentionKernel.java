package ai.fairl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.nn.Activation;

/**
 * Scaled dot-product attention: the one function a GPU runtime replaces with a fused kernel ({@link
 * TransformerModel#setAttentionKernel}). Grouped-query attention is the kernel's business: {@code
 * k} and {@code v} arrive with {@code numKvHeads} heads.
 */
@FunctionalInterface
public interface AttentionKernel {

  /**
   * @param q (batch, heads, seq, head_dim)
   * @param k (batch, kv_heads, total, head_dim), past and current positions
   * @param v (batch, kv_heads, total, head_dim)
   * @param mask which keys each query may see
   * @param scale the softmax scale, usually {@code head_dim^-0.5}
   * @return (batch, heads, seq, head_dim)
   */
  NDArray attend(NDArray q, NDArray k, NDArray v, AttentionMask mask, float scale);

  /**
   * The composite default: {@code softmax(q k^T * scale + mask) v} with the softmax in fp32, as
   * Hugging Face's eager attention computes it.
   */
  static AttentionKernel composite() {
    return (q, k, v, mask, scale) -> {
      long heads = q.getShape().get(1);
      long kvHeads = k.getShape().get(1);
      if (heads != kvHeads) {
        long rep = heads / kvHeads;
        k = k.repeat(1, rep); // (batch, heads, total, head_dim): head i reads kv head i / rep
        v = v.repeat(1, rep);
      }
      NDArray scores = q.matMul(k.swapAxes(2, 3)).mul(scale); // (batch, heads, seq, total)
      NDArray probs =
          scores
              .toType(ai.djl.ndarray.types.DataType.FLOAT32, false)
              .add(mask.additive())
              .softmax(-1);
      return probs.toType(q.getDataType(), false).matMul(v);
    };
  }

  /** SiLU, used by the MLP; here so that kernels and the model agree on one definition. */
  static NDArray silu(NDArray x) {
    return x.mul(Activation.sigmoid(x));
  }
}
