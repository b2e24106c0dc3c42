package ai.fairl.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Activation;
import ai.fairl.engine.Scalars;

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
      // k and v may belong to the KV cache; results of ops on them would join the cache's manager,
      // so everything derived from them is re-homed to the step's manager (q's)
      NDManager step = q.getManager();
      long heads = q.getShape().get(1);
      long kvHeads = k.getShape().get(1);
      if (heads != kvHeads) {
        long rep = heads / kvHeads;
        k =
            home(
                k.repeat(1, rep),
                step); // (batch, heads, total, head_dim): head i reads kv head i / rep
        v = home(v.repeat(1, rep), step);
      }
      NDArray kt = home(k.swapAxes(2, 3), step); // (batch, heads, head_dim, total)
      NDArray scores = Scalars.mul(q.matMul(kt), scale); // (batch, heads, seq, total)
      NDArray probs = scores.toType(DataType.FLOAT32, false).add(mask.additive()).softmax(-1);
      return probs.toType(q.getDataType(), false).matMul(v); // (batch, heads, seq, head_dim)
    };
  }

  private static NDArray home(NDArray a, NDManager m) {
    a.attach(m);
    return a;
  }

  /** SiLU, used by the MLP; here so that kernels and the model agree on one definition. */
  static NDArray silu(NDArray x) {
    return x.mul(Activation.sigmoid(x));
  }
}
