// Element-wise arithmetic, unary maths, comparisons and logic.
#include "common.h"

using namespace fairl;

DJL_BINARY(torchAdd, a.add(b))
DJL_BINARY_INPLACE(torchAddi, a.add_(b))
DJL_BINARY(torchSub, a.sub(b))
DJL_BINARY_INPLACE(torchSubi, a.sub_(b))
DJL_BINARY(torchMul, a.mul(b))
DJL_BINARY_INPLACE(torchMuli, a.mul_(b))
DJL_BINARY(torchTrueDivide, a.true_divide(b))
DJL_BINARY_INPLACE(torchTrueDividei, a.true_divide_(b))
DJL_BINARY(torchRemainder, a.remainder(b))
DJL_BINARY_INPLACE(torchRemainderi, a.remainder_(b))
DJL_BINARY(torchPow, a.pow(b))
DJL_BINARY_INPLACE(torchPowi, a.pow_(b))
DJL_BINARY(torchMatmul, a.matmul(b))
DJL_BINARY(torchBmm, a.bmm(b))
DJL_BINARY(torchXLogY, at::xlogy(a, b))
DJL_BINARY(torchDot, a.dot(b))
DJL_BINARY(torchLogicalAnd, at::logical_and(a, b))
DJL_BINARY(torchLogicalOr, at::logical_or(a, b))
DJL_BINARY(torchLogicalXor, at::logical_xor(a, b))
DJL_BINARY(torchMaximum, at::maximum(a, b))
DJL_BINARY(torchMinimum, at::minimum(a, b))
DJL_BINARY(torchAtan2, at::atan2(a, b))
DJL_BINARY(torchEq, a.eq(b))
DJL_BINARY(torchNeq, a.ne(b))
DJL_BINARY(torchGt, a.gt(b))
DJL_BINARY(torchGte, a.ge(b))
DJL_BINARY(torchLt, a.lt(b))
DJL_BINARY(torchLte, a.le(b))

DJL_FN(jboolean, contentEqual)(JNIEnv* env, jobject, jlong ha, jlong hb) {
  FAIRL_TRY(contentEqual)
  const at::Tensor& a = T(ha);
  const at::Tensor& b = T(hb);
  if (a.scalar_type() != b.scalar_type() || a.sizes() != b.sizes()) return false;
  return a.device() == b.device() ? a.equal(b) : a.equal(b.to(a.device()));
  FAIRL_CATCH(false)
}

DJL_UNARY(torchSign, x.sign())
DJL_FN(void, torchSigni)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(torchSigni)
  T(h).sign_();
  FAIRL_CATCH_VOID
}
DJL_UNARY(torchNeg, x.neg())
DJL_FN(void, torchNegi)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(torchNegi)
  T(h).neg_();
  FAIRL_CATCH_VOID
}
DJL_UNARY(torchLogicalNot, at::logical_not(x))
DJL_UNARY(torchAbs, x.abs())
DJL_UNARY(torchSquare, x.square())
DJL_UNARY(torchFloor, x.floor())
DJL_UNARY(torchCeil, x.ceil())
DJL_UNARY(torchRound, x.round())
DJL_UNARY(torchTrunc, x.trunc())
DJL_UNARY(torchExp, x.exp())
DJL_UNARY(torchLgamma, x.lgamma())
DJL_UNARY(torchLog, x.log())
DJL_UNARY(torchLog10, x.log10())
DJL_UNARY(torchLog2, x.log2())
DJL_UNARY(torchSin, x.sin())
DJL_UNARY(torchCos, x.cos())
DJL_UNARY(torchTan, x.tan())
DJL_UNARY(torchASin, x.asin())
DJL_UNARY(torchAcos, x.acos())
DJL_UNARY(torchAtan, x.atan())
DJL_UNARY(torchSqrt, x.sqrt())
DJL_UNARY(torchSinh, x.sinh())
DJL_UNARY(torchCosh, x.cosh())
DJL_UNARY(torchTanh, x.tanh())
DJL_UNARY(torchSigmoid, x.sigmoid())
DJL_UNARY(torchErfinv, x.erfinv())
DJL_UNARY(torchErf, x.erf())
DJL_UNARY(torchInverse, at::inverse(x))
DJL_UNARY(torchIsNaN, x.isnan())
DJL_UNARY(torchIsInf, x.isinf())
DJL_UNARY(torchAll, x.to(at::kBool).all())
DJL_UNARY(torchAny, x.to(at::kBool).any())
DJL_UNARY(torchNone, x.to(at::kBool).any().logical_not())
DJL_UNARY(conj, x.conj().resolve_conj())
DJL_UNARY(torchViewAsReal, at::view_as_real(x))
DJL_UNARY(torchViewAsComplex, at::view_as_complex(x))

DJL_FN(jlong, torchClamp)(JNIEnv* env, jobject, jlong h, jlong hmin, jlong hmax) {
  FAIRL_TRY(torchClamp)
  const at::Tensor& x = T(h);
  // DJL passes 0-d arrays created from Java numbers; clamp keeps the input's dtype.
  at::Scalar lo = T(hmin).item();
  at::Scalar hi = T(hmax).item();
  return H(x.clamp(lo, hi));
  FAIRL_CATCH(0)
}

DJL_FN(jlong, torchWhere)(JNIEnv* env, jobject, jlong hc, jlong hx, jlong hy) {
  FAIRL_TRY(torchWhere)
  const at::Tensor& c = T(hc);
  return H(at::where(c.scalar_type() == at::kBool ? c : c.to(at::kBool), T(hx), T(hy)));
  FAIRL_CATCH(0)
}

// --- activations (torchNN*) --------------------------------------------------------------------
DJL_UNARY(torchNNRelu, x.relu())
DJL_UNARY(torchNNSoftPlus, at::softplus(x))
DJL_UNARY(torchNNSoftSign, x / (x.abs() + 1))
DJL_UNARY(torchNNSelu, at::selu(x))
DJL_UNARY(torchNNGelu, at::gelu(x))
DJL_FN(jlong, torchNNLeakyRelu)(JNIEnv* env, jobject, jlong h, jdouble slope) {
  FAIRL_TRY(torchNNLeakyRelu)
  return H(at::leaky_relu(T(h), slope));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchNNElu)(JNIEnv* env, jobject, jlong h, jdouble alpha) {
  FAIRL_TRY(torchNNElu)
  return H(at::elu(T(h), alpha));
  FAIRL_CATCH(0)
}
