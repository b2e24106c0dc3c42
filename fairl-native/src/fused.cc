// fairl's own natives (Java: ai.fairl.engine.FusedNatives): fused or single-call kernels that a
// chain of DJL operations would otherwise run as many small launches, plus engine introspection.
//
// Simplified: attention uses PyTorch's scaled_dot_product_attention (flash / memory-efficient /
// math, chosen by PyTorch) where the build has it (2.0+), else an ATen composite; RMSNorm uses
// at::rms_norm on 2.4+ else a composite in fp32; chosen-token log-probs are a custom autograd
// function that recomputes each chunk's logits in backward, so neither pass holds the full
// (rows, vocab) logits; AdamW uses PyTorch's fused multi-tensor kernel where available.
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/csrc/autograd/custom_function.h>

#include <cmath>

#include "common.h"

#ifndef FAIRL_VERSION
#define FAIRL_VERSION "0.1.0"
#endif
#ifndef FAIRL_CUDA_VERSION
#define FAIRL_CUDA_VERSION ""
#endif

using namespace fairl;

#define FAIRL_FN(ret, name) extern "C" JNIEXPORT ret JNICALL Java_ai_fairl_engine_FusedNatives_##name

FAIRL_FN(jobjectArray, buildInfo)(JNIEnv* env, jclass) {
  FAIRL_TRY(fairl_buildInfo)
  std::vector<std::string> info = {FAIRL_VERSION, TORCH_VERSION, FAIRL_CUDA_VERSION,
                                   at::hasCUDA() ? "true" : "false",
                                   cudaStatsAvailable() ? "true" : "false",
                                   std::to_string(at::hasCUDA() ? at::detail::getCUDAHooks().getNumGPUs() : 0)};
  jobjectArray arr = env->NewObjectArray(static_cast<jsize>(info.size()),
                                         env->FindClass("java/lang/String"), nullptr);
  for (size_t i = 0; i < info.size(); ++i) {
    jstring s = env->NewStringUTF(info[i].c_str());
    env->SetObjectArrayElement(arr, static_cast<jsize>(i), s);
    env->DeleteLocalRef(s);
  }
  return arr;
  FAIRL_CATCH(nullptr)
}

FAIRL_FN(jobjectArray, usedNatives)(JNIEnv* env, jclass) {
  FAIRL_TRY(fairl_usedNatives)
  auto names = ::fairl::usedNatives();
  jobjectArray arr = env->NewObjectArray(static_cast<jsize>(names.size()),
                                         env->FindClass("java/lang/String"), nullptr);
  for (size_t i = 0; i < names.size(); ++i) {
    jstring s = env->NewStringUTF(names[i].c_str());
    env->SetObjectArrayElement(arr, static_cast<jsize>(i), s);
    env->DeleteLocalRef(s);
  }
  return arr;
  FAIRL_CATCH(nullptr)
}

// --- attention ---------------------------------------------------------------------------------
// q (batch, heads, tq, dim); k, v (batch, kvHeads, tk, dim) with heads % kvHeads == 0;
// mask: 0 (none), bool (true = attend) or additive float, broadcastable to (batch, heads, tq, tk).
// Causal masking aligns the last query with the last key (decode with a KV cache).
static at::Tensor causalMask(int64_t tq, int64_t tk, const at::Device& device) {
  return at::ones({tq, tk}, at::TensorOptions().dtype(at::kBool).device(device)).tril(tk - tq);
}

static at::Tensor attention(at::Tensor q, at::Tensor k, at::Tensor v, c10::optional<at::Tensor> mask,
                            bool causal, double scale) {
  int64_t heads = q.size(-3), kvHeads = k.size(-3);
  TORCH_CHECK(heads % kvHeads == 0, "fairl-native: attention heads ", heads,
              " must be a multiple of kv heads ", kvHeads);
  int64_t tq = q.size(-2), tk = k.size(-2);
  c10::optional<at::Tensor> m = mask;
  if (causal && (m.has_value() || tq != tk)) {
    at::Tensor c = causalMask(tq, tk, q.device());
    if (m.has_value()) {
      if (m->scalar_type() == at::kBool) m = m->logical_and(c);
      else m = m->masked_fill(c.logical_not(), -std::numeric_limits<double>::infinity());
    } else {
      m = c;
    }
    causal = false;
  }
  if (m.has_value() && m->scalar_type() != at::kBool && m->scalar_type() != q.scalar_type())
    m = m->to(q.scalar_type());
#if FAIRL_TORCH_AT_LEAST(2, 5)
  c10::optional<double> sc = scale > 0 ? c10::optional<double>(scale) : c10::nullopt;
  return at::scaled_dot_product_attention(q, k, v, m, 0.0, causal, sc, heads != kvHeads);
#else
  if (heads != kvHeads) {
    k = k.repeat_interleave(heads / kvHeads, -3);
    v = v.repeat_interleave(heads / kvHeads, -3);
  }
#if FAIRL_TORCH_AT_LEAST(2, 1)
  c10::optional<double> sc = scale > 0 ? c10::optional<double>(scale) : c10::nullopt;
  return at::scaled_dot_product_attention(q, k, v, m, 0.0, causal, sc);
#else
  double s = scale > 0 ? scale : 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
  at::Tensor scores = at::matmul(q, k.transpose(-2, -1)).to(at::kFloat) * s;
  if (causal) m = causalMask(tq, tk, q.device());
  if (m.has_value()) {
    if (m->scalar_type() == at::kBool)
      scores = scores.masked_fill(m->logical_not(), -std::numeric_limits<double>::infinity());
    else
      scores = scores + m->to(at::kFloat);
  }
  return at::matmul(scores.softmax(-1).to(v.scalar_type()), v);
#endif
#endif
}

FAIRL_FN(jlong, sdpa)(JNIEnv* env, jclass, jlong q, jlong k, jlong v, jlong mask, jboolean causal,
                      jdouble scale) {
  FAIRL_TRY(fairl_sdpa)
  return H(attention(T(q), T(k), T(v), optT(mask), causal, scale));
  FAIRL_CATCH(0)
}

// --- RMSNorm -----------------------------------------------------------------------------------
// y = weight * (x / sqrt(mean(x^2, last dim) + eps)), normalised in fp32 and cast back first
// (as Hugging Face's LlamaRMSNorm does).
FAIRL_FN(jlong, rmsNorm)(JNIEnv* env, jclass, jlong hx, jlong hw, jdouble eps) {
  FAIRL_TRY(fairl_rmsNorm)
  const at::Tensor& x = T(hx);
  const at::Tensor& w = T(hw);
  at::Tensor xf = x.to(at::kFloat);
  at::Tensor normed = (xf * (xf.pow(2).mean(-1, true) + eps).rsqrt()).to(x.scalar_type());
  return H(w * normed);
  FAIRL_CATCH(0)
}

// --- rotary embeddings ---------------------------------------------------------------------------
// x (batch, heads, seq, dim); cos, sin broadcastable to it (e.g. (batch or 1, 1, seq, dim)).
// out = x * cos + rotate_half(x) * sin, rotate_half(x) = cat(-x[..., d/2:], x[..., :d/2]).
FAIRL_FN(jlong, rotary)(JNIEnv* env, jclass, jlong hx, jlong hcos, jlong hsin) {
  FAIRL_TRY(fairl_rotary)
  const at::Tensor& x = T(hx);
  int64_t half = x.size(-1) / 2;
  at::Tensor rot = at::cat({x.slice(-1, half).neg(), x.slice(-1, 0, half)}, -1);
  return H(x * T(hcos) + rot * T(hsin));
  FAIRL_CATCH(0)
}

// --- log-probs of chosen tokens, chunked ---------------------------------------------------------
struct ChosenLogProbs : public torch::autograd::Function<ChosenLogProbs> {
  // hidden (rows, h); weight (vocab, h); targets (rows) int64 -> (rows) fp32.
  static at::Tensor forward(torch::autograd::AutogradContext* ctx, const at::Tensor& hidden,
                            const at::Tensor& weight, const at::Tensor& targets, int64_t chunk) {
    at::Tensor out = at::empty({hidden.size(0)}, hidden.options().dtype(at::kFloat));
    at::Tensor lse = at::empty({hidden.size(0)}, hidden.options().dtype(at::kFloat));
    for (int64_t s = 0; s < hidden.size(0); s += chunk) {
      int64_t e = std::min(s + chunk, hidden.size(0));
      at::Tensor logits = at::matmul(hidden.slice(0, s, e), weight.t()).to(at::kFloat);  // (c, vocab)
      at::Tensor l = logits.logsumexp(-1);
      lse.slice(0, s, e).copy_(l);
      out.slice(0, s, e).copy_(logits.gather(1, targets.slice(0, s, e).unsqueeze(1)).squeeze(1) - l);
    }
    ctx->save_for_backward({hidden, weight, targets, lse});
    ctx->saved_data["chunk"] = chunk;
    return out;
  }
  static torch::autograd::variable_list backward(torch::autograd::AutogradContext* ctx,
                                                 torch::autograd::variable_list grads) {
    auto saved = ctx->get_saved_variables();
    const at::Tensor &hidden = saved[0], &weight = saved[1], &targets = saved[2], &lse = saved[3];
    int64_t chunk = ctx->saved_data["chunk"].toInt();
    at::Tensor gout = grads[0].to(at::kFloat);
    at::Tensor gh = at::empty_like(hidden);
    at::Tensor gw = at::zeros(weight.sizes(), weight.options().dtype(at::kFloat));
    for (int64_t s = 0; s < hidden.size(0); s += chunk) {
      int64_t e = std::min(s + chunk, hidden.size(0));
      at::Tensor h = hidden.slice(0, s, e);
      at::Tensor logits = at::matmul(h, weight.t()).to(at::kFloat);
      // d logp / d logits = onehot(target) - softmax(logits), scaled by the incoming gradient.
      at::Tensor g = (logits - lse.slice(0, s, e).unsqueeze(1)).exp_().neg_();
      g.scatter_add_(1, targets.slice(0, s, e).unsqueeze(1),
                     at::ones({e - s, 1}, g.options()));
      g.mul_(gout.slice(0, s, e).unsqueeze(1));
      at::Tensor gc = g.to(hidden.scalar_type());
      gh.slice(0, s, e).copy_(at::matmul(gc, weight));
      gw.add_(at::matmul(gc.t(), h).to(at::kFloat));
    }
    return {gh, gw.to(weight.scalar_type()), at::Tensor(), at::Tensor()};
  }
};

// hidden (..., h); weight (vocab, h); targets (...) -> log p(target) (...), fp32.
FAIRL_FN(jlong, chosenLogProbs)(JNIEnv* env, jclass, jlong hh, jlong hw, jlong ht, jlong chunk) {
  FAIRL_TRY(fairl_chosenLogProbs)
  const at::Tensor& hidden = T(hh);
  const at::Tensor& targets = T(ht);
  TORCH_CHECK(chunk > 0, "fairl-native: chosenLogProbs chunk must be > 0, got ", chunk);
  auto outShape = targets.sizes().vec();
  at::Tensor flatH = hidden.reshape({-1, hidden.size(-1)});
  at::Tensor flatT = targets.reshape({-1}).to(at::kLong);
  at::Tensor out = ChosenLogProbs::apply(flatH, T(hw), flatT, static_cast<int64_t>(chunk));
  return H(out.reshape(outShape));
  FAIRL_CATCH(0)
}

// --- AdamW ---------------------------------------------------------------------------------------
// PyTorch's AdamW (decoupled weight decay, bias-corrected), step = the 1-based step number: the
// fused multi-tensor kernel where the build has it and every list agrees on device and dtype, else
// a per-tensor loop of the same formula.
namespace {
void adamwStep(std::vector<at::Tensor>& ps, std::vector<at::Tensor>& gs, std::vector<at::Tensor>& ms,
               std::vector<at::Tensor>& vs, double lr, double beta1, double beta2, double eps,
               double wd, int64_t step) {
  at::NoGradGuard guard;
  TORCH_CHECK(ps.size() == gs.size() && ps.size() == ms.size() && ps.size() == vs.size(),
              "fairl-native: adamw needs as many grads and states as params");
  if (ps.empty()) return;
  bool fused = false;
#if FAIRL_TORCH_AT_LEAST(2, 4)
  fused = true;
#elif FAIRL_TORCH_AT_LEAST(2, 1)
  fused = ps[0].is_cuda();
#endif
  for (size_t i = 0; fused && i < ps.size(); ++i) {
    fused = ps[i].device() == ps[0].device() && ps[i].scalar_type() == gs[i].scalar_type() &&
            ps[i].scalar_type() == ms[i].scalar_type() && ps[i].scalar_type() == vs[i].scalar_type() &&
            ps[i].is_floating_point();
  }
#if FAIRL_TORCH_AT_LEAST(2, 1)
  if (fused) {
    // one step tensor per parameter, as the kernel takes them: views of one filled buffer
    at::Tensor all = at::full({static_cast<int64_t>(ps.size())}, static_cast<double>(step),
                              ps[0].options().dtype(at::kFloat));
    std::vector<at::Tensor> steps = all.unbind(0);
    at::_fused_adamw_(ps, gs, ms, vs, {}, steps, lr, beta1, beta2, wd, eps, false, false);
    return;
  }
#endif
  double bc1 = 1 - std::pow(beta1, static_cast<double>(step));
  double bc2 = 1 - std::pow(beta2, static_cast<double>(step));
  for (size_t i = 0; i < ps.size(); ++i) {
    at::Tensor& p = ps[i];
    at::Tensor g = gs[i].to(ms[i].scalar_type());
    p.mul_(1 - lr * wd);
    ms[i].mul_(beta1).add_(g, 1 - beta1);
    vs[i].mul_(beta2).addcmul_(g, g, 1 - beta2);
    at::Tensor denom = (vs[i].sqrt() / std::sqrt(bc2)).add_(eps);
    at::Tensor update = ms[i] / denom * (lr / bc1);
    p.sub_(update.to(p.scalar_type()));
  }
}

// The parameters that hold a gradient, with their gradients (PyTorch's optimizers skip the rest).
void withGradients(const std::vector<at::Tensor>& params, std::vector<size_t>* index,
                   std::vector<at::Tensor>* grads) {
  for (size_t i = 0; i < params.size(); ++i) {
    const at::Tensor& g = params[i].grad();
    if (g.defined()) {
      index->push_back(i);
      grads->push_back(g);
    }
  }
}

// The gradients the parameters (handles) hold.
std::vector<at::Tensor> gradientsOf(JNIEnv* env, jlongArray hp) {
  std::vector<size_t> idx;
  std::vector<at::Tensor> gs;
  withGradients(tensors(env, hp), &idx, &gs);
  return gs;
}
}  // namespace

FAIRL_FN(void, adamw)(JNIEnv* env, jclass, jlongArray hp, jlongArray hg, jlongArray hm,
                      jlongArray hv, jdouble lr, jdouble beta1, jdouble beta2, jdouble eps,
                      jdouble wd, jlong step) {
  FAIRL_TRY(fairl_adamw)
  auto ps = tensors(env, hp), gs = tensors(env, hg), ms = tensors(env, hm), vs = tensors(env, hv);
  adamwStep(ps, gs, ms, vs, lr, beta1, beta2, eps, wd, step);
  FAIRL_CATCH_VOID
}

// As adamw, from the gradients the parameters hold (.grad); parameters without one are skipped.
FAIRL_FN(void, adamwFromGradients)(JNIEnv* env, jclass, jlongArray hp, jlongArray hm,
                                   jlongArray hv, jdouble lr, jdouble beta1, jdouble beta2,
                                   jdouble eps, jdouble wd, jlong step) {
  FAIRL_TRY(fairl_adamwFromGradients)
  auto ps = tensors(env, hp), ms = tensors(env, hm), vs = tensors(env, hv);
  TORCH_CHECK(ps.size() == ms.size() && ps.size() == vs.size(),
              "fairl-native: adamwFromGradients needs as many states as params");
  std::vector<size_t> idx;
  std::vector<at::Tensor> gs;
  withGradients(ps, &idx, &gs);
  std::vector<at::Tensor> p2, m2, v2;
  for (size_t i : idx) {
    p2.push_back(ps[i]);
    m2.push_back(ms[i]);
    v2.push_back(vs[i]);
  }
  adamwStep(p2, gs, m2, v2, lr, beta1, beta2, eps, wd, step);
  FAIRL_CATCH_VOID
}

// --- gradients of many parameters in one call ---------------------------------------------------
// The sum of squares of every gradient the parameters hold, accumulated in fp64 on the device and
// read back once (clip_grad_norm_'s total norm, squared).
FAIRL_FN(jdouble, gradSquaredNorm)(JNIEnv* env, jclass, jlongArray hp) {
  FAIRL_TRY(fairl_gradSquaredNorm)
  at::NoGradGuard guard;
  std::vector<at::Tensor> gs = gradientsOf(env, hp);
  if (gs.empty()) return 0.0;
  std::vector<at::Tensor> norms = at::_foreach_norm(gs, 2);
  at::Tensor n = at::stack(norms).to(at::kDouble);
  return n.mul(n).sum().item<double>();
  FAIRL_CATCH(0.0)
}

// Every gradient the parameters hold, times coef, in place.
FAIRL_FN(void, scaleGradients)(JNIEnv* env, jclass, jlongArray hp, jdouble coef) {
  FAIRL_TRY(fairl_scaleGradients)
  at::NoGradGuard guard;
  std::vector<at::Tensor> gs = gradientsOf(env, hp);
  if (!gs.empty()) at::_foreach_mul_(gs, at::Scalar(coef));
  FAIRL_CATCH_VOID
}

// Every gradient the parameters hold set to zero in place (NaN and Inf included); they stay
// defined, so views into them (gradient buckets) stay valid.
FAIRL_FN(void, zeroGradients)(JNIEnv* env, jclass, jlongArray hp) {
  FAIRL_TRY(fairl_zeroGradients)
  at::NoGradGuard guard;
  std::vector<at::Tensor> gs = gradientsOf(env, hp);
  if (!gs.empty()) at::_foreach_zero_(gs);
  FAIRL_CATCH_VOID
}

// --- CUDA ------------------------------------------------------------------------------------------
FAIRL_FN(jlongArray, cudaMemory)(JNIEnv* env, jclass, jint device) {
  FAIRL_TRY(fairl_cudaMemory)
  return longArray(env, cudaMemoryStats(device));
  FAIRL_CATCH(nullptr)
}
FAIRL_FN(void, cudaResetPeak)(JNIEnv* env, jclass, jint device) {
  FAIRL_TRY(fairl_cudaResetPeak)
  cudaResetPeak(device);
  FAIRL_CATCH_VOID
}
FAIRL_FN(void, cudaSynchronize)(JNIEnv* env, jclass) {
  FAIRL_TRY(fairl_cudaSynchronize)
  ::fairl::cudaSync();
  FAIRL_CATCH_VOID
}
