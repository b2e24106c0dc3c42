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
#include <torch/csrc/autograd/custom_function.h>

#include "common.h"

using namespace fairl;

#define TRAIN_FN(ret, name) extern "C" JNIEXPORT ret JNICALL Java_ai_fairl_model_TrainNatives_##name

namespace {

// y = weight * (x / sqrt(mean(x^2, last dim) + eps)), normalised in fp32 and cast back first, as
// Hugging Face's LlamaRMSNorm and fairl-native's rmsNorm (fused.cc) compute it.
// On a GPU with PyTorch 2.4+ (and fusedNorm on), at::rms_norm instead: one kernel each way that
// normalises and multiplies by the weight in fp32 and rounds once (the composite rounds the
// normalised value to x's dtype before the weight multiply: a difference of bf16 rounding).
std::atomic<bool> fusedNorm{true};

at::Tensor rmsNorm(const at::Tensor& x, const at::Tensor& w, double eps) {
#if FAIRL_TORCH_AT_LEAST(2, 4)
  if (fusedNorm.load() && x.is_cuda()) {
    return at::rms_norm(x, {x.size(-1)}, w, eps);
  }
#endif
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

// LoRA branches per projection: A (r, in), B (out, r) (any float dtype, cast to x's), scaling.
struct Lora {
  std::vector<int64_t> a, b;
  std::vector<double> scale;
  at::Tensor apply(size_t i, const at::Tensor& x, at::Tensor y) const {
    if (a.empty() || a[i] == 0) return y;
    const at::Tensor& ta = T(a[i]);
    const at::Tensor& tb = T(b[i]);
    at::Tensor down = at::linear(x, ta.scalar_type() == x.scalar_type() ? ta : ta.to(x.scalar_type()));
    at::Tensor bt = (tb.scalar_type() == x.scalar_type() ? tb : tb.to(x.scalar_type())).t();
    // y + scale * down B^T as one GEMM with y as the addend (no separate scale and add kernels,
    // fewer nodes for autograd: small models are launch-bound here)
    at::Tensor out = at::addmm(y.reshape({-1, y.size(-1)}), down.reshape({-1, down.size(-1)}), bt,
                               1, scale[i]);
    return out.view(y.sizes());
  }
};

}  // namespace

// h (b, s, hidden); weights {q, k, v, o, gate, up, down} (out, in); biases the same order, 0 for
// none; norms {input, post, q_norm or 0, k_norm or 0}; cos, sin (b or 1, 1, s, head_dim) in h's
// dtype; mask 0 (causal only) or boolean (b, 1, 1, s), true = attend. Returns (b, s, hidden).
TRAIN_FN(jlong, decoderLayer)(JNIEnv* env, jclass, jlong hh, jlongArray jweights, jlongArray jbiases,
                              jlongArray jnorms, jlongArray jloraA, jlongArray jloraB,
                              jdoubleArray jloraScale, jlong hcos, jlong hsin, jlong hmask,
                              jint heads, jint kvHeads, jint headDim, jdouble eps, jdouble scale) {
  FAIRL_TRY(fairl_decoderLayer)
  std::vector<int64_t> w = longs(env, jweights);
  std::vector<int64_t> bs = longs(env, jbiases);
  std::vector<int64_t> n = longs(env, jnorms);
  TORCH_CHECK(w.size() == 7 && bs.size() == 7 && n.size() == 4,
              "fairl-native: decoderLayer needs 7 weights, 7 biases and 4 norms");
  Lora lora;
  if (jloraA != nullptr) {
    lora.a = longs(env, jloraA);
    lora.b = longs(env, jloraB);
    jsize ns = env->GetArrayLength(jloraScale);
    lora.scale.resize(ns);
    if (ns > 0) env->GetDoubleArrayRegion(jloraScale, 0, ns, lora.scale.data());
    TORCH_CHECK(lora.a.size() == 7 && lora.b.size() == 7 && lora.scale.size() == 7,
                "fairl-native: decoderLayer needs 7 LoRA A, B and scalings (0 for none)");
  }
  auto proj = [&](size_t i, const at::Tensor& x) { return lora.apply(i, x, linear(x, w[i], bs[i])); };
  const at::Tensor& h = T(hh);
  int64_t b = h.size(0), s = h.size(1);
  const at::Tensor& cos = T(hcos);
  const at::Tensor& sin = T(hsin);
  at::Tensor x = rmsNorm(h, T(n[0]), eps);
  at::Tensor q = proj(0, x).view({b, s, heads, headDim});
  at::Tensor k = proj(1, x).view({b, s, kvHeads, headDim});
  at::Tensor v = proj(2, x).view({b, s, kvHeads, headDim});
  if (n[2] != 0) {
    q = rmsNorm(q, T(n[2]), eps);
    k = rmsNorm(k, T(n[3]), eps);
  }
  q = rotary(q.transpose(1, 2), cos, sin);
  k = rotary(k.transpose(1, 2), cos, sin);
  v = v.transpose(1, 2);
  at::Tensor att = attention(q, k, v, optT(hmask), scale);  // (b, heads, s, d)
  att = att.transpose(1, 2).reshape({b, s, static_cast<int64_t>(heads) * headDim});
  at::Tensor h2 = h + proj(3, att);
  x = rmsNorm(h2, T(n[1]), eps);
  at::Tensor mlp = proj(6, at::silu(proj(4, x)) * proj(5, x));
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

// Whether decoderLayer uses at::rms_norm on a GPU (default true); the bench measures both.
TRAIN_FN(void, setFusedNorm)(JNIEnv* env, jclass, jboolean on) {
  FAIRL_TRY(fairl_setFusedNorm)
  fusedNorm.store(on);
  FAIRL_CATCH_VOID
}

// --- log-probs of chosen tokens ------------------------------------------------------------------
// hidden (rows, h); weight (vocab, h); targets (rows) int64 -> (rows) fp32, log softmax(hidden W^T)
// at each target. The forward goes through the rows in chunks, so fp32 logits exist for one chunk
// at a time, and keeps the logits in hidden's dtype (rows, vocab) for the backward (the matrix
// product's output, which the fp32 logits only widen: nothing is lost). The backward turns them,
// chunk by chunk and in place, into d logp / d logits, then takes both gradients with one matrix
// product each over all rows (fp32 accumulation inside the GEMM), and the weight's only when it
// needs one (a frozen LM head under LoRA gets none).
//
// With hits on, the forward also says per row whether the logits' argmax (first on ties, as
// torch.argmax) is the target: a second, non-differentiable (rows) bool output, taken from the
// chunk's fp32 logits already there (SFT's token accuracy without full logits).
//
// Against fairl-native's chosenLogProbs (fused.cc): no recomputed logits in the backward and no
// fp32 (vocab, h) gradient accumulated chunk by chunk, for (rows, vocab) of hidden's dtype kept
// from forward to backward (what a plain cross-entropy keeps too, in fp32).
namespace {
struct ChosenLogProbsKeep : public torch::autograd::Function<ChosenLogProbsKeep> {
  // -> {log-probs (rows) fp32, hits (rows) bool, or (0) without hits}
  static torch::autograd::variable_list forward(torch::autograd::AutogradContext* ctx,
                                                const at::Tensor& hidden, const at::Tensor& weight,
                                                const at::Tensor& targets, int64_t chunk,
                                                bool withHits) {
    int64_t rows = hidden.size(0);
    at::Tensor logits = at::empty({rows, weight.size(0)}, hidden.options());  // (rows, vocab)
    at::Tensor out = at::empty({rows}, hidden.options().dtype(at::kFloat));
    at::Tensor lse = at::empty({rows}, hidden.options().dtype(at::kFloat));
    at::Tensor hits = at::empty({withHits ? rows : 0}, hidden.options().dtype(at::kBool));
    at::Tensor wt = weight.t();
    for (int64_t s = 0; s < rows; s += chunk) {
      int64_t e = std::min(s + chunk, rows);
      at::Tensor lc = logits.slice(0, s, e);
      at::mm_out(lc, hidden.slice(0, s, e), wt);
      at::Tensor f = lc.to(at::kFloat);  // (c, vocab)
      at::Tensor l = f.logsumexp(-1);
      lse.slice(0, s, e).copy_(l);
      at::Tensor tc = targets.slice(0, s, e);
      out.slice(0, s, e).copy_(f.gather(1, tc.unsqueeze(1)).squeeze(1) - l);
      // the bf16 chunk has the same argmax as its exact fp32 widening, at half the reads
      if (withHits) hits.slice(0, s, e).copy_(lc.argmax(-1).eq(tc));
    }
    ctx->save_for_backward({hidden, weight, targets, lse, logits});
    ctx->saved_data["chunk"] = chunk;
    ctx->mark_non_differentiable({hits});
    return {out, hits};
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &hidden = saved[0], &weight = saved[1], &targets = saved[2], &lse = saved[3];
    at::Tensor g = saved[4];  // the kept logits, overwritten chunk by chunk with d/d logits
    int64_t chunk = ctx->saved_data["chunk"].toInt();
    int64_t rows = hidden.size(0);
    at::Tensor gout = grads[0].to(at::kFloat);
    for (int64_t s = 0; s < rows; s += chunk) {
      int64_t e = std::min(s + chunk, rows);
      at::Tensor gc = g.slice(0, s, e);
      // d logp / d logits = (onehot(target) - softmax(logits)) * g: softmax from the kept logits
      // and the forward's logsumexp in fp32 (bf16 - fp32 promotes), the one-hot subtracted in
      // place, and the product written straight into the kept chunk: four passes over it
      at::Tensor p = at::sub(gc, lse.slice(0, s, e).unsqueeze(1));  // (c, vocab) fp32
      p.exp_();
      p.scatter_add_(1, targets.slice(0, s, e).unsqueeze(1),
                     at::full({e - s, 1}, -1.0, p.options()));
      at::mul_out(gc, p, gout.slice(0, s, e).unsqueeze(1).neg());
    }
    at::Tensor gh = ctx->needs_input_grad(0) ? at::mm(g, weight) : at::Tensor();
    at::Tensor gw = ctx->needs_input_grad(1) ? at::mm(g.t(), hidden) : at::Tensor();
    return {gh, gw, at::Tensor(), at::Tensor(), at::Tensor()};
  }
};
}  // namespace

TRAIN_FN(jlong, chosenLogProbs)(JNIEnv* env, jclass, jlong hh, jlong hw, jlong ht, jlong chunk) {
  FAIRL_TRY(fairl_chosenLogProbsKeep)
  const at::Tensor& hidden = T(hh);
  const at::Tensor& targets = T(ht);
  TORCH_CHECK(chunk > 0, "fairl-native: chosenLogProbs chunk rows must be positive, got ", chunk);
  at::Tensor h2 = hidden.reshape({-1, hidden.size(-1)}).contiguous();
  at::Tensor t2 = targets.reshape({-1}).to(at::kLong);
  at::Tensor out = ChosenLogProbsKeep::apply(h2, T(hw), t2, static_cast<int64_t>(chunk), false)[0];
  return H(out.view(targets.sizes()));
  FAIRL_CATCH(0)
}

// As chosenLogProbs, plus hits: {log-probs (...) fp32, hits (...) bool, argmax == target}.
TRAIN_FN(jlongArray, chosenLogProbsHits)(JNIEnv* env, jclass, jlong hh, jlong hw, jlong ht,
                                         jlong chunk) {
  FAIRL_TRY(fairl_chosenLogProbsHits)
  const at::Tensor& hidden = T(hh);
  const at::Tensor& targets = T(ht);
  TORCH_CHECK(chunk > 0, "fairl-native: chosenLogProbsHits chunk rows must be positive, got ",
              chunk);
  at::Tensor h2 = hidden.reshape({-1, hidden.size(-1)}).contiguous();
  at::Tensor t2 = targets.reshape({-1}).to(at::kLong);
  auto r = ChosenLogProbsKeep::apply(h2, T(hw), t2, static_cast<int64_t>(chunk), true);
  return handleArray(env, {r[0].view(targets.sizes()), r[1].view(targets.sizes())});
  FAIRL_CATCH(nullptr)
}
