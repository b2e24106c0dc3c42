// Reductions, scans, sorting, statistics, norms and Fourier transforms.
#include "common.h"

using namespace fairl;

DJL_UNARY(torchArgMax__J, x.argmax())
DJL_FN(jlong, torchArgMax__JJZ)(JNIEnv* env, jobject, jlong h, jlong dim, jboolean keep) {
  FAIRL_TRY(torchArgMax__JJZ)
  return H(T(h).argmax(dim, keep));
  FAIRL_CATCH(0)
}
DJL_UNARY(torchArgMin__J, x.argmin())
DJL_FN(jlong, torchArgMin__JJZ)(JNIEnv* env, jobject, jlong h, jlong dim, jboolean keep) {
  FAIRL_TRY(torchArgMin__JJZ)
  return H(T(h).argmin(dim, keep));
  FAIRL_CATCH(0)
}
DJL_UNARY(torchMax__J, x.max())
DJL_FN(jlong, torchMax__JJZ)(JNIEnv* env, jobject, jlong h, jlong dim, jboolean keep) {
  FAIRL_TRY(torchMax__JJZ)
  return H(std::get<0>(T(h).max(dim, keep)));
  FAIRL_CATCH(0)
}
DJL_UNARY(torchMin__J, x.min())
DJL_FN(jlong, torchMin__JJZ)(JNIEnv* env, jobject, jlong h, jlong dim, jboolean keep) {
  FAIRL_TRY(torchMin__JJZ)
  return H(std::get<0>(T(h).min(dim, keep)));
  FAIRL_CATCH(0)
}
DJL_UNARY(torchMean__J, x.mean())
DJL_FN(jlong, torchMean__JJZ)(JNIEnv* env, jobject, jlong h, jlong dim, jboolean keep) {
  FAIRL_TRY(torchMean__JJZ)
  return H(T(h).mean(dim, keep));
  FAIRL_CATCH(0)
}
DJL_UNARY(torchSum__J, x.sum())
DJL_FN(jlong, torchSum__J_3JZ)(JNIEnv* env, jobject, jlong h, jlongArray dims, jboolean keep) {
  FAIRL_TRY(torchSum__J_3JZ)
  return H(T(h).sum(longs(env, dims), keep));
  FAIRL_CATCH(0)
}
DJL_UNARY(torchProd__J, x.prod())
DJL_FN(jlong, torchProd__JJZ)(JNIEnv* env, jobject, jlong h, jlong dim, jboolean keep) {
  FAIRL_TRY(torchProd__JJZ)
  return H(T(h).prod(dim, keep));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchCumSum)(JNIEnv* env, jobject, jlong h, jlong dim) {
  FAIRL_TRY(torchCumSum)
  return H(T(h).cumsum(dim));
  FAIRL_CATCH(0)
}
// dtype -1: keep the input's type.
DJL_FN(jlong, torchCumProd)(JNIEnv* env, jobject, jlong h, jlong dim, jint dtype) {
  FAIRL_TRY(torchCumProd)
  if (dtype < 0) return H(T(h).cumprod(dim));
  return H(T(h).cumprod(dim, toScalarType(dtype)));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchSoftmax)(JNIEnv* env, jobject, jlong h, jlong dim, jint dtype) {
  FAIRL_TRY(torchSoftmax)
  return H(T(h).softmax(dim, toScalarType(dtype)));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchLogSoftmax)(JNIEnv* env, jobject, jlong h, jlong dim, jint dtype) {
  FAIRL_TRY(torchLogSoftmax)
  return H(T(h).log_softmax(dim, toScalarType(dtype)));
  FAIRL_CATCH(0)
}
DJL_FN(jlongArray, torchTopK)(JNIEnv* env, jobject, jlong h, jlong k, jlong axis, jboolean largest,
                              jboolean sorted) {
  FAIRL_TRY(torchTopK)
  auto r = T(h).topk(k, axis, largest, sorted);
  return handleArray(env, {std::get<0>(r), std::get<1>(r)});
  FAIRL_CATCH(nullptr)
}
// DJL always passes false for the flag (named keepDim in PyTorchLibrary); it sorts ascending.
DJL_FN(jlong, torchArgSort)(JNIEnv* env, jobject, jlong h, jlong dim, jboolean descending) {
  FAIRL_TRY(torchArgSort)
  return H(T(h).argsort(dim, descending));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchSort)(JNIEnv* env, jobject, jlong h, jlong dim, jboolean descending) {
  FAIRL_TRY(torchSort)
  return H(std::get<0>(T(h).sort(dim, descending)));
  FAIRL_CATCH(0)
}
DJL_FN(jlongArray, torchMedian)(JNIEnv* env, jobject, jlong h, jlong dim, jboolean keep) {
  FAIRL_TRY(torchMedian)
  auto r = T(h).median(dim, keep);
  return handleArray(env, {std::get<0>(r), std::get<1>(r)});
  FAIRL_CATCH(nullptr)
}
DJL_FN(jlong, torchQuantile)(JNIEnv* env, jobject, jlong h, jfloat q, jlong dim, jboolean keep) {
  FAIRL_TRY(torchQuantile)
  return H(at::quantile(T(h), static_cast<double>(q), dim, keep));
  FAIRL_CATCH(0)
}
// dim == -1: unique over the flattened array. Always returns {values, inverse, counts}.
DJL_FN(jlongArray, torchUnique)(JNIEnv* env, jobject, jlong h, jlong dim, jboolean sorted,
                                jboolean inverse, jboolean counts) {
  FAIRL_TRY(torchUnique)
  std::tuple<at::Tensor, at::Tensor, at::Tensor> r =
      dim == -1 ? at::_unique2(T(h), sorted, inverse, counts)
                : at::unique_dim(T(h), dim, sorted, inverse, counts);
  return handleArray(env, {std::get<0>(r), std::get<1>(r), std::get<2>(r)});
  FAIRL_CATCH(nullptr)
}
// ord: the vector or matrix norm's order; axes empty: the whole array, flattened.
DJL_FN(jlong, torchNorm)(JNIEnv* env, jobject, jlong h, jint ord, jlongArray axes, jboolean keep) {
  FAIRL_TRY(torchNorm)
  std::vector<int64_t> dims = longs(env, axes);
  const at::Tensor& x = T(h);
  if (dims.empty()) {
    return H(at::linalg_vector_norm(x, static_cast<double>(ord), c10::nullopt, keep));
  }
  if (dims.size() == 1) {
    return H(at::linalg_vector_norm(x, static_cast<double>(ord), at::IntArrayRef(dims), keep));
  }
  return H(at::linalg_matrix_norm(x, at::Scalar(static_cast<double>(ord)), at::IntArrayRef(dims), keep));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchDiff)(JNIEnv* env, jobject, jlong h, jint n, jint dim) {
  FAIRL_TRY(torchDiff)
  return H(at::diff(T(h), n, dim));
  FAIRL_CATCH(0)
}

// --- FFT -----------------------------------------------------------------------------------------
DJL_FN(jlong, torchFft)(JNIEnv* env, jobject, jlong h, jlong n, jlong axis) {
  FAIRL_TRY(torchFft)
  return H(at::fft_fft(T(h), n, axis));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchIfft)(JNIEnv* env, jobject, jlong h, jlong n, jlong axis) {
  FAIRL_TRY(torchIfft)
  return H(at::fft_ifft(T(h), n, axis));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchRfft)(JNIEnv* env, jobject, jlong h, jlong n, jlong axis) {
  FAIRL_TRY(torchRfft)
  return H(at::fft_rfft(T(h), n, axis));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchIrfft)(JNIEnv* env, jobject, jlong h, jlong n, jlong axis) {
  FAIRL_TRY(torchIrfft)
  return H(at::fft_irfft(T(h), n, axis));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchFft2)(JNIEnv* env, jobject, jlong h, jlongArray sizes, jlongArray axes) {
  FAIRL_TRY(torchFft2)
  return H(at::fft_fft2(T(h), at::IntArrayRef(longs(env, sizes)), longs(env, axes)));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchIfft2)(JNIEnv* env, jobject, jlong h, jlongArray sizes, jlongArray axes) {
  FAIRL_TRY(torchIfft2)
  return H(at::fft_ifft2(T(h), at::IntArrayRef(longs(env, sizes)), longs(env, axes)));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchStft)(JNIEnv* env, jobject, jlong h, jlong nFft, jlong hop, jlong window,
                         jboolean center, jboolean normalize, jboolean returnComplex) {
  FAIRL_TRY(torchStft)
  at::Tensor x = T(h);
  c10::optional<at::Tensor> w = optT(window);
  if (center) {  // pad like torch.stft(center=True, pad_mode="reflect")
    int64_t pad = nFft / 2;
    auto sizes = x.sizes().vec();
    at::Tensor x3 = x.reshape({1, -1, sizes.back()}).reshape({-1, 1, sizes.back()});
    x3 = at::reflection_pad1d(x3, {pad, pad});
    sizes.back() = x3.size(-1);
    x = x3.reshape(sizes);
  }
  at::Tensor r = at::stft(x, nFft, hop, c10::nullopt, w, normalize, c10::nullopt, true);
  if (!returnComplex) r = at::view_as_real(r);
  return H(r);
  FAIRL_CATCH(0)
}
