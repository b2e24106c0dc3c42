// Neural-network layers, pooling, recurrent cells, autograd and the optimizer update natives.
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/variable.h>

#include "common.h"

using namespace fairl;

DJL_FN(jlong, torchNNLinear)(JNIEnv* env, jobject, jlong h, jlong w, jlong b) {
  FAIRL_TRY(torchNNLinear)
  return H(at::linear(T(h), T(w), optT(b)));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchNNEmbedding)(JNIEnv* env, jobject, jlong h, jlong w, jboolean sparse) {
  FAIRL_TRY(torchNNEmbedding)
  return H(at::embedding(T(w), T(h), -1, false, sparse));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchNNConvNd)(JNIEnv* env, jobject, jlong h, jlong w, jlong b, jlongArray stride,
                             jlongArray padding, jlongArray dilation, jint groups) {
  FAIRL_TRY(torchNNConvNd)
  auto s = longs(env, stride), p = longs(env, padding), d = longs(env, dilation);
  const at::Tensor& x = T(h);
  switch (T(w).dim()) {
    case 3: return H(at::conv1d(x, T(w), optT(b), s, p, d, groups));
    case 4: return H(at::conv2d(x, T(w), optT(b), s, p, d, groups));
    case 5: return H(at::conv3d(x, T(w), optT(b), s, p, d, groups));
    default: throw std::invalid_argument("fairl-native: convolution weight must have 3 to 5 dims");
  }
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchNNDropout)(JNIEnv* env, jobject, jlong h, jdouble p, jboolean train) {
  FAIRL_TRY(torchNNDropout)
  return H(at::dropout(T(h), p, train));
  FAIRL_CATCH(0)
}
// F.normalize: x / max(||x||_p over dim, eps).
DJL_FN(jlong, torchNNNormalize)(JNIEnv* env, jobject, jlong h, jdouble p, jlong dim, jdouble eps) {
  FAIRL_TRY(torchNNNormalize)
  const at::Tensor& x = T(h);
  at::Tensor n = at::linalg_vector_norm(x, p, at::IntArrayRef{dim}, true).clamp_min(eps);
  return H(x / n.expand_as(x));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchNNLayerNorm)(JNIEnv* env, jobject, jlong h, jlongArray shape, jlong w, jlong b,
                                jdouble eps) {
  FAIRL_TRY(torchNNLayerNorm)
  return H(at::layer_norm(T(h), longs(env, shape), optT(w), optT(b), eps));
  FAIRL_CATCH(0)
}
// PtNDArrayEx.batchNorm passes (input, runningMean, runningVar, gamma, beta, ...) in the order
// PyTorchLibrary names them (JniUtils' own parameter names differ); momentum is PyTorch's.
DJL_FN(jlong, torchNNBatchNorm)(JNIEnv* env, jobject, jlong h, jlong mean, jlong var, jlong gamma,
                                jlong beta, jboolean training, jdouble momentum, jdouble eps) {
  FAIRL_TRY(torchNNBatchNorm)
  return H(at::batch_norm(T(h), optT(gamma), optT(beta), optT(mean), optT(var), training, momentum,
                          eps, true));
  FAIRL_CATCH(0)
}

// --- recurrent -----------------------------------------------------------------------------------
DJL_FN(jlongArray, torchNNRnn)(JNIEnv* env, jobject, jlong h, jlong hx, jlongArray params,
                               jboolean hasBiases, jint layers, jint activation, jdouble drop,
                               jboolean train, jboolean bidir, jboolean batchFirst) {
  FAIRL_TRY(torchNNRnn)
  auto ps = tensors(env, params);
  auto r = activation == 0
               ? at::rnn_relu(T(h), T(hx), ps, hasBiases, layers, drop, train, bidir, batchFirst)
               : at::rnn_tanh(T(h), T(hx), ps, hasBiases, layers, drop, train, bidir, batchFirst);
  return handleArray(env, {std::get<0>(r), std::get<1>(r)});
  FAIRL_CATCH(nullptr)
}
DJL_FN(jlongArray, torchNNGru)(JNIEnv* env, jobject, jlong h, jlong hx, jlongArray params,
                               jboolean hasBiases, jint layers, jdouble drop, jboolean train,
                               jboolean bidir, jboolean batchFirst) {
  FAIRL_TRY(torchNNGru)
  auto r = at::gru(T(h), T(hx), tensors(env, params), hasBiases, layers, drop, train, bidir, batchFirst);
  return handleArray(env, {std::get<0>(r), std::get<1>(r)});
  FAIRL_CATCH(nullptr)
}
DJL_FN(jlongArray, torchNNLstm)(JNIEnv* env, jobject, jlong h, jlongArray hx, jlongArray params,
                                jboolean hasBiases, jint layers, jdouble drop, jboolean train,
                                jboolean bidir, jboolean batchFirst) {
  FAIRL_TRY(torchNNLstm)
  auto r = at::lstm(T(h), tensors(env, hx), tensors(env, params), hasBiases, layers, drop, train,
                    bidir, batchFirst);
  return handleArray(env, {std::get<0>(r), std::get<1>(r), std::get<2>(r)});
  FAIRL_CATCH(nullptr)
}

// --- pooling (1d/2d/3d chosen by the input's rank: batch, channel, spatial...) -------------------
DJL_FN(jlong, torchNNAvgPool)(JNIEnv* env, jobject, jlong h, jlongArray k, jlongArray s, jlongArray p,
                              jboolean ceil, jboolean countPad) {
  FAIRL_TRY(torchNNAvgPool)
  const at::Tensor& x = T(h);
  auto kk = longs(env, k), ss = longs(env, s), pp = longs(env, p);
  switch (kk.size()) {
    case 1: return H(at::avg_pool1d(x, kk, ss, pp, ceil, countPad));
    case 2: return H(at::avg_pool2d(x, kk, ss, pp, ceil, countPad));
    case 3: return H(at::avg_pool3d(x, kk, ss, pp, ceil, countPad));
    default: throw std::invalid_argument("fairl-native: avgPool supports 1 to 3 spatial dims");
  }
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchNNMaxPool)(JNIEnv* env, jobject, jlong h, jlongArray k, jlongArray s, jlongArray p,
                              jboolean ceil) {
  FAIRL_TRY(torchNNMaxPool)
  const at::Tensor& x = T(h);
  auto kk = longs(env, k), ss = longs(env, s), pp = longs(env, p);
  std::vector<int64_t> dil(kk.size(), 1);
  switch (kk.size()) {
    case 1: return H(at::max_pool1d(x, kk, ss, pp, dil, ceil));
    case 2: return H(at::max_pool2d(x, kk, ss, pp, dil, ceil));
    case 3: return H(at::max_pool3d(x, kk, ss, pp, dil, ceil));
    default: throw std::invalid_argument("fairl-native: maxPool supports 1 to 3 spatial dims");
  }
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchNNAdaptiveAvgPool)(JNIEnv* env, jobject, jlong h, jlongArray out) {
  FAIRL_TRY(torchNNAdaptiveAvgPool)
  auto o = longs(env, out);
  switch (o.size()) {
    case 1: return H(at::adaptive_avg_pool1d(T(h), o));
    case 2: return H(at::adaptive_avg_pool2d(T(h), o));
    case 3: return H(at::adaptive_avg_pool3d(T(h), o));
    default: throw std::invalid_argument("fairl-native: adaptiveAvgPool supports 1 to 3 spatial dims");
  }
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchNNAdaptiveMaxPool)(JNIEnv* env, jobject, jlong h, jlongArray out) {
  FAIRL_TRY(torchNNAdaptiveMaxPool)
  auto o = longs(env, out);
  switch (o.size()) {
    case 1: return H(std::get<0>(at::adaptive_max_pool1d(T(h), o)));
    case 2: return H(std::get<0>(at::adaptive_max_pool2d(T(h), o)));
    case 3: return H(std::get<0>(at::adaptive_max_pool3d(T(h), o)));
    default: throw std::invalid_argument("fairl-native: adaptiveMaxPool supports 1 to 3 spatial dims");
  }
  FAIRL_CATCH(0)
}
// F.lp_pool{1,2}d: (sum over the window of x^p)^(1/p), written with avg_pool like PyTorch.
DJL_FN(jlong, torchNNLpPool)(JNIEnv* env, jobject, jlong h, jdouble p, jlongArray k, jlongArray s,
                             jboolean ceil) {
  FAIRL_TRY(torchNNLpPool)
  const at::Tensor& x = T(h);
  auto kk = longs(env, k), ss = longs(env, s);
  at::Tensor out;
  int64_t window = 1;
  for (auto v : kk) window *= v;
  if (kk.size() == 1) out = at::avg_pool1d(x.pow(p), kk, ss, {0}, ceil);
  else if (kk.size() == 2) out = at::avg_pool2d(x.pow(p), kk, ss, {0, 0}, ceil);
  else throw std::invalid_argument("fairl-native: lpPool supports 1 or 2 spatial dims");
  return H((out.sign() * out.abs().relu()).mul(window).pow(1.0 / p));
  FAIRL_CATCH(0)
}
// mode (from PtNDArrayEx): 0 nearest, 1 linear, 2 bilinear, 3 bicubic, 4 trilinear, 5 area.
DJL_FN(jlong, torchNNInterpolate)(JNIEnv* env, jobject, jlong h, jlongArray size, jint mode,
                                  jboolean alignCorners) {
  FAIRL_TRY(torchNNInterpolate)
  const at::Tensor& x = T(h);
  auto sz = longs(env, size);
  switch (mode) {
    case 0:
      if (sz.size() == 1) return H(at::upsample_nearest1d(x, sz));
      if (sz.size() == 2) return H(at::upsample_nearest2d(x, sz));
      return H(at::upsample_nearest3d(x, sz));
    case 1: return H(at::upsample_linear1d(x, sz, alignCorners));
    case 2: return H(at::upsample_bilinear2d(x, sz, alignCorners));
    case 3: return H(at::upsample_bicubic2d(x, sz, alignCorners));
    case 4: return H(at::upsample_trilinear3d(x, sz, alignCorners));
    case 5:
      if (sz.size() == 1) return H(at::adaptive_avg_pool1d(x, sz));
      if (sz.size() == 2) return H(at::adaptive_avg_pool2d(x, sz));
      return H(at::adaptive_avg_pool3d(x, sz));
    default: throw std::invalid_argument("fairl-native: unknown interpolation mode " + std::to_string(mode));
  }
  FAIRL_CATCH(0)
}

// --- autograd ------------------------------------------------------------------------------------
DJL_FN(jboolean, torchRequiresGrad)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(torchRequiresGrad)
  return T(h).requires_grad();
  FAIRL_CATCH(false)
}
DJL_FN(jstring, torchGradFnName)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(torchGradFnName)
  const auto& fn = T(h).grad_fn();
  return env->NewStringUTF(fn ? fn->name().c_str() : "");
  FAIRL_CATCH(nullptr)
}
DJL_FN(void, torchAttachGrad)(JNIEnv* env, jobject, jlong h, jboolean requiresGrad) {
  FAIRL_TRY(torchAttachGrad)
  T(h).requires_grad_(requiresGrad);
  FAIRL_CATCH_VOID
}
DJL_FN(jlong, torchGrad)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(torchGrad)
  const at::Tensor& g = T(h).grad();
  return g.defined() ? H(g) : 0;
  FAIRL_CATCH(0)
}
DJL_UNARY(torchDetachGrad, x.detach())
DJL_FN(void, torchBackward)(JNIEnv* env, jobject, jlong h, jlong grad, jboolean keepGraph,
                            jboolean createGraph) {
  FAIRL_TRY(torchBackward)
  T(h).backward(T(grad), static_cast<bool>(keepGraph), createGraph);
  FAIRL_CATCH_VOID
}
DJL_FN(void, zeroGrad)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(zeroGrad)
  at::Tensor& g = T(h).mutable_grad();
  if (g.defined()) {
    g = g.detach();
    g.zero_();
  }
  FAIRL_CATCH_VOID
}

// --- optimizer updates (MXNet-style, as DJL's Adam and Sgd call them) -----------------------------
// Adam: g = clip(rescale * grad) (+ wd * w unless adamw); m = b1 m + (1-b1) g;
// v = b2 v + (1-b2) g^2; w -= lrCorrected * m / (sqrt(v) + eps); adamw: w -= lr * wd * w first.
DJL_FN(void, adamUpdate)(JNIEnv* env, jobject, jlong hw, jlong hg, jlong hm, jlong hv, jfloat lr,
                         jfloat lrCorrected, jfloat wd, jfloat rescale, jfloat clip, jfloat b1,
                         jfloat b2, jfloat eps, jboolean adamw) {
  FAIRL_TRY(adamUpdate)
  at::NoGradGuard guard;
  at::Tensor w = T(hw), m = T(hm), v = T(hv);
  at::Tensor g = T(hg) * rescale;
  if (clip > 0) g = g.clamp(-clip, clip);
  if (adamw) w.mul_(1 - lr * wd);
  else if (wd != 0) g = g + w * wd;
  m.mul_(b1).add_(g, 1 - b1);
  v.mul_(b2).addcmul_(g, g, 1 - b2);
  w.addcdiv_(m, v.sqrt().add_(eps), -lrCorrected);
  FAIRL_CATCH_VOID
}
// SGD: g = clip(rescale * grad) + wd * w; with momentum: s = mom * s - lr * g; w += s;
// else w -= lr * g.
DJL_FN(void, sgdUpdate)(JNIEnv* env, jobject, jlong hw, jlong hg, jlong hs, jfloat lr, jfloat wd,
                        jfloat rescale, jfloat clip, jfloat momentum) {
  FAIRL_TRY(sgdUpdate)
  at::NoGradGuard guard;
  at::Tensor w = T(hw);
  at::Tensor g = T(hg) * rescale;
  if (clip > 0) g = g.clamp(-clip, clip);
  if (wd != 0) g = g + w * wd;
  if (hs != 0 && momentum != 0) {
    at::Tensor s = T(hs);
    s.mul_(momentum).add_(g, -lr);
    w.add_(s);
  } else {
    w.add_(g, -lr);
  }
  FAIRL_CATCH_VOID
}
