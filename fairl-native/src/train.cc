// Training-step natives (Java: ai.fairl.model.TrainNatives): a whole pre-norm decoder layer in one
// JNI call, and gradient bookkeeping for the optimizer (read all gradients at once, set them to
// None). The layer is written with ATen operations, so PyTorch's autograd records it exactly as it
// would the same chain of DJL calls; what it saves is one JNI crossing (and one Java NDArray kept
// alive until the step ends) per operation, and a few kernels (SiLU in one kernel, cos/sin cast
// once per forward by the caller).
//
// Simplified: the layer covers the Llama/Qwen2/Qwen3 block without a KV cache (training and
// log-prob passes); attention is causal with an optional boolean key mask (true = attend).
// Sliding windows and LoRA adapters are the Java path's business (DecoderLayer).
#include "common.h"

using namespace fairl;

#define TRAIN_FN(ret, name) extern "C" JNIEXPORT ret JNICALL Java_ai_fairl_model_TrainNatives_##name

namespace {

// y = weight * (x / sqrt(mean(x^2, last dim) + eps)), normalised in fp32 and cast back first, as
// Hugging Face's LlamaRMSNorm and fairl-native's rmsNorm (fused.cc) compute it.
at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& w, double eps) {
  at::Tensor xf = x.to(at::kFloat);
  at::Tensor normed = (xf * (xf.pow(2).mean(-1, true) + eps).rsqrt()).to(x.scalar_type());
  return w * normed;
}

// x (b, heads, s, d); cos, sin (b or 1, 1, s, d) in x's dtype.
at::Tensor rotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin) {
  int64_t half = x.size(-1) / 2;
  at::Tensor rot = at::cat({x.slice(-1, half).neg(), x.slice(-1, 0, half)}, -1);
  return x * cos + rot * sin;
}

at::Tensor attention(const at::Tensor& q, at::Tensor k, at::Tensor v, const c10::optional<at::Tensor>& mask,
                     double scale) {
  int64_t heads = q.size(1), kvHeads = k.size(1);
  TORCH_CHECK(heads % kvHeads == 0, "fairl-native: attention heads ", heads,
              " must be a multiple of kv heads ", kvHeads);
  int64_t s = q.size(2);
  // with a key mask: additive 0 / -1e30 in q's dtype, as the Java path's mask (a query row that
  // sees no key gets a uniform softmax, never NaN)
  c10::optional<at::Tensor> m;
  bool causal = true;
  if (mask.has_value()) {
    at::Tensor keep = mask->logical_and(at::ones({s, s}, q.options().dtype(at::kBool)).tril());
    m = at::zeros(keep.sizes(), q.options()).masked_fill(keep.logical_not(), -1e30);
    causal = false;
  }
#if FAIRL_TORCH_AT_LEAST(2, 5)
  return at::scaled_dot_product_attention(q, k, v, m, 0.0, causal, scale, heads != kvHeads);
#else
  if (heads != kvHeads) {
    k = k.repeat_interleave(heads / kvHeads, 1);
    v = v.repeat_interleave(heads / kvHeads, 1);
  }
#if FAIRL_TORCH_AT_LEAST(2, 1)
  return at::scaled_dot_product_attention(q, k, v, m, 0.0, causal, scale);
#else
  at::Tensor scores = at::matmul(q, k.transpose(-2, -1)).to(at::kFloat) * scale;
  if (causal) {
    at::Tensor keep = at::ones({s, s}, q.options().dtype(at::kBool)).tril();
    scores = scores.masked_fill(keep.logical_not(), -std::numeric_limits<double>::infinity());
  } else {
    scores = scores + m->to(at::kFloat);
  }
  return at::matmul(scores.softmax(-1).to(v.scalar_type()), v);
#endif
#endif
}

at::Tensor linear(const at::Tensor& x, jlong w, jlong b) {
  return b == 0 ? at::linear(x, T(w)) : at::linear(x, T(w), T(b));
}

}  // namespace

// h (b, s, hidden); weights {q, k, v, o, gate, up, down} (out, in); biases the same order, 0 for
// none; norms {input, post, q_norm or 0, k_norm or 0}; cos, sin (b or 1, 1, s, head_dim) in h's
// dtype; mask 0 (causal only) or boolean (b, 1, 1, s), true = attend. Returns (b, s, hidden).
TRAIN_FN(jlong, decoderLayer)(JNIEnv* env, jclass, jlong hh, jlongArray jweights, jlongArray jbiases,
                              jlongArray jnorms, jlong hcos, jlong hsin, jlong hmask, jint heads,
                              jint kvHeads, jint headDim, jdouble eps, jdouble scale) {
  FAIRL_TRY(fairl_decoderLayer)
  std::vector<int64_t> w = longs(env, jweights);
  std::vector<int64_t> bs = longs(env, jbiases);
  std::vector<int64_t> n = longs(env, jnorms);
  TORCH_CHECK(w.size() == 7 && bs.size() == 7 && n.size() == 4,
              "fairl-native: decoderLayer needs 7 weights, 7 biases and 4 norms");
  const at::Tensor& h = T(hh);
  int64_t b = h.size(0), s = h.size(1);
  const at::Tensor& cos = T(hcos);
  const at::Tensor& sin = T(hsin);
  at::Tensor x = rmsNorm(h, T(n[0]), eps);
  at::Tensor q = linear(x, w[0], bs[0]).view({b, s, heads, headDim});
  at::Tensor k = linear(x, w[1], bs[1]).view({b, s, kvHeads, headDim});
  at::Tensor v = linear(x, w[2], bs[2]).view({b, s, kvHeads, headDim});
  if (n[2] != 0) {
    q = rmsNorm(q, T(n[2]), eps);
    k = rmsNorm(k, T(n[3]), eps);
  }
  q = rotary(q.transpose(1, 2), cos, sin);
  k = rotary(k.transpose(1, 2), cos, sin);
  v = v.transpose(1, 2);
  at::Tensor att = attention(q, k, v, optT(hmask), scale);  // (b, heads, s, d)
  att = att.transpose(1, 2).reshape({b, s, static_cast<int64_t>(heads) * headDim});
  at::Tensor h2 = h + linear(att, w[3], bs[3]);
  x = rmsNorm(h2, T(n[1]), eps);
  at::Tensor mlp = linear(at::silu(linear(x, w[4], bs[4])) * linear(x, w[5], bs[5]), w[6], bs[6]);
  return H(h2 + mlp);
  FAIRL_CATCH(0)
}

// The gradients of params, one handle each (0 where a parameter has none).
TRAIN_FN(jlongArray, gradients)(JNIEnv* env, jclass, jlongArray jparams) {
  FAIRL_TRY(fairl_gradients)
  std::vector<int64_t> p = longs(env, jparams);
  std::vector<int64_t> out(p.size(), 0);
  for (size_t i = 0; i < p.size(); ++i) {
    const at::Tensor& g = T(p[i]).grad();
    if (g.defined()) out[i] = H(g);
  }
  return longArray(env, out);
  FAIRL_CATCH(nullptr)
}

// Sets each parameter's gradient to None (PyTorch's zero_grad(set_to_none=True)): the memory goes
// back to the allocator once no other handle holds it, and the next backward allocates afresh.
TRAIN_FN(void, clearGradients)(JNIEnv* env, jclass, jlongArray jparams) {
  FAIRL_TRY(fairl_clearGradients)
  for (int64_t h : longs(env, jparams)) T(h).mutable_grad().reset();
  FAIRL_CATCH_VOID
}
