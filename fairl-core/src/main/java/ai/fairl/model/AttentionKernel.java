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
            expandHeads(
                k, rep, step); // (batch, heads, total, head_dim): head i reads kv head i / rep
        v = expandHeads(v, rep, step);
      }
      NDArray kt = home(k.swapAxes(2, 3), step); // (batch, heads, head_dim, total)
      NDArray scores = Scalars.mul(q.matMul(kt), scale); // (batch, heads, seq, total)
      NDArray probs = scores.toType(DataType.FLOAT32, false).add(mask.additive()).softmax(-1);
      return probs.toType(q.getDataType(), false).matMul(v); // (batch, heads, seq, head_dim)
    };
  }

  /**
   * {@code repeat_interleave(x, rep, 1)} as expand + reshape: the same values and gradients, and no
   * host synchronisation (repeat_interleave may compute its output size on the host), so that the
   * step can be captured as a CUDA graph.
   *
   * @param x (batch, kv_heads, total, head_dim)
   * @return (batch, kv_heads * rep, total, head_dim), owned by {@code m}
   */
  private static NDArray expandHeads(NDArray x, long rep, NDManager m) {
    ai.djl.ndarray.types.Shape s = x.getShape();
    NDArray e = home(x.expandDims(2), m); // (b, kv_heads, 1, total, d)
    e = e.broadcast(new ai.djl.ndarray.types.Shape(s.get(0), s.get(1), rep, s.get(2), s.get(3)));
    return e.reshape(s.get(0), s.get(1) * rep, s.get(2), s.get(3));
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
