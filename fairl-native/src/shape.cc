// Shape manipulation, joining and splitting, and every flavour of DJL indexing.
#include <ATen/TensorIndexing.h>

#include "common.h"

using namespace fairl;
using at::indexing::TensorIndex;

DJL_FN(jlong, torchReshape)(JNIEnv* env, jobject, jlong h, jlongArray shape) {
  FAIRL_TRY(torchReshape)
  return H(T(h).reshape(longs(env, shape)));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchExpand)(JNIEnv* env, jobject, jlong h, jlongArray shape) {
  FAIRL_TRY(torchExpand)
  return H(T(h).expand(longs(env, shape)));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchPermute)(JNIEnv* env, jobject, jlong h, jlongArray dims) {
  FAIRL_TRY(torchPermute)
  return H(T(h).permute(longs(env, dims)));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchFlip)(JNIEnv* env, jobject, jlong h, jlongArray dims) {
  FAIRL_TRY(torchFlip)
  return H(T(h).flip(longs(env, dims)));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchTranspose)(JNIEnv* env, jobject, jlong h, jlong d1, jlong d2) {
  FAIRL_TRY(torchTranspose)
  return H(T(h).transpose(d1, d2));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchRot90)(JNIEnv* env, jobject, jlong h, jlong k, jlongArray axes) {
  FAIRL_TRY(torchRot90)
  return H(T(h).rot90(k, longs(env, axes)));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchPad)(JNIEnv* env, jobject, jlong h, jlongArray pad, jdouble value) {
  FAIRL_TRY(torchPad)
  return H(at::constant_pad_nd(T(h), longs(env, pad), value));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchFlatten)(JNIEnv* env, jobject, jlong h, jlong start, jlong end) {
  FAIRL_TRY(torchFlatten)
  return H(T(h).flatten(start, end));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchUnsqueeze)(JNIEnv* env, jobject, jlong h, jlong dim) {
  FAIRL_TRY(torchUnsqueeze)
  return H(T(h).unsqueeze(dim));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchSqueeze__J)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(torchSqueeze__J)
  return H(T(h).squeeze());
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchSqueeze__JJ)(JNIEnv* env, jobject, jlong h, jlong dim) {
  FAIRL_TRY(torchSqueeze__JJ)
  return H(T(h).squeeze(dim));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchDiagonal)(JNIEnv* env, jobject, jlong h, jlong offset, jlong a1, jlong a2) {
  FAIRL_TRY(torchDiagonal)
  return H(T(h).diagonal(offset, a1, a2));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchStack)(JNIEnv* env, jobject, jlongArray hs, jlong dim) {
  FAIRL_TRY(torchStack)
  return H(at::stack(tensors(env, hs), dim));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchCat)(JNIEnv* env, jobject, jlongArray hs, jlong dim) {
  FAIRL_TRY(torchCat)
  return H(at::cat(tensors(env, hs), dim));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchRepeat)(JNIEnv* env, jobject, jlong h, jlongArray repeats) {
  FAIRL_TRY(torchRepeat)
  return H(T(h).repeat(longs(env, repeats)));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchRepeatInterleave)(JNIEnv* env, jobject, jlong h, jlong repeat, jlong axis) {
  FAIRL_TRY(torchRepeatInterleave)
  return H(T(h).repeat_interleave(repeat, axis));
  FAIRL_CATCH(0)
}
DJL_FN(jlongArray, torchSplit__JJJ)(JNIEnv* env, jobject, jlong h, jlong size, jlong dim) {
  FAIRL_TRY(torchSplit__JJJ)
  return handleArray(env, T(h).split(size, dim));
  FAIRL_CATCH(nullptr)
}
// PtNDArray.split(long[] indices) turns the cut indices into section sizes before calling this.
DJL_FN(jlongArray, torchSplit__J_3JJ)(JNIEnv* env, jobject, jlong h, jlongArray sizes, jlong dim) {
  FAIRL_TRY(torchSplit__J_3JJ)
  return handleArray(env, T(h).split_with_sizes(longs(env, sizes), dim));
  FAIRL_CATCH(nullptr)
}

// --- indexing ----------------------------------------------------------------------------------
DJL_FN(jlong, torchGetItem__JJ)(JNIEnv* env, jobject, jlong h, jlong index) {
  FAIRL_TRY(torchGetItem__JJ)
  return H(T(h).select(0, index));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchGetItem__J_3J)(JNIEnv* env, jobject, jlong h, jlongArray indices) {
  FAIRL_TRY(torchGetItem__J_3J)
  at::Tensor t = T(h);
  for (int64_t i : longs(env, indices)) t = t.select(0, i);
  return H(t);
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchSlice)(JNIEnv* env, jobject, jlong h, jlong dim, jlong start, jlong end, jlong step) {
  FAIRL_TRY(torchSlice)
  return H(T(h).slice(dim, start, end, step));
  FAIRL_CATCH(0)
}

static at::Tensor sliceAll(JNIEnv* env, at::Tensor t, jlongArray minA, jlongArray maxA, jlongArray stepA) {
  auto mins = longs(env, minA);
  auto maxs = longs(env, maxA);
  auto steps = longs(env, stepA);
  for (size_t i = 0; i < mins.size(); ++i) t = t.slice(static_cast<int64_t>(i), mins[i], maxs[i], steps[i]);
  return t;
}
DJL_FN(jlong, torchIndex)(JNIEnv* env, jobject, jlong h, jlongArray minA, jlongArray maxA, jlongArray stepA) {
  FAIRL_TRY(torchIndex)
  return H(sliceAll(env, T(h), minA, maxA, stepA));
  FAIRL_CATCH(0)
}
DJL_FN(void, torchIndexPut)(JNIEnv* env, jobject, jlong h, jlong hv, jlongArray minA, jlongArray maxA,
                            jlongArray stepA) {
  FAIRL_TRY(torchIndexPut)
  sliceAll(env, T(h), minA, maxA, stepA).copy_(T(hv));
  FAIRL_CATCH_VOID
}

// An advanced index is built up element by element on a heap vector (torchIndexInit/Append*).
using IndexList = std::vector<TensorIndex>;
static IndexList& IDX(jlong h) { return *reinterpret_cast<IndexList*>(h); }

DJL_FN(jlong, torchIndexInit)(JNIEnv* env, jobject, jint size) {
  FAIRL_TRY(torchIndexInit)
  auto* v = new IndexList();
  v->reserve(size);
  return reinterpret_cast<jlong>(v);
  FAIRL_CATCH(0)
}
DJL_FN(void, torchDeleteIndex)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(torchDeleteIndex)
  delete reinterpret_cast<IndexList*>(h);
  FAIRL_CATCH_VOID
}
DJL_FN(void, torchIndexAppendNoneEllipsis)(JNIEnv* env, jobject, jlong h, jboolean isEllipsis) {
  FAIRL_TRY(torchIndexAppendNoneEllipsis)
  if (isEllipsis) IDX(h).emplace_back(at::indexing::Ellipsis);
  else IDX(h).emplace_back(at::indexing::None);
  FAIRL_CATCH_VOID
}
// nullSliceBinary: bit 1 = min is absent, bit 0 = max is absent.
DJL_FN(void, torchIndexAppendSlice)(JNIEnv* env, jobject, jlong h, jlong min, jlong max, jlong step,
                                    jint nullSliceBinary) {
  FAIRL_TRY(torchIndexAppendSlice)
  using at::indexing::Slice;
  int64_t mn = min, mx = max, st = step;
  switch (nullSliceBinary) {
    case 0: IDX(h).emplace_back(Slice(mn, mx, st)); break;
    case 1: IDX(h).emplace_back(Slice(mn, c10::nullopt, st)); break;
    case 2: IDX(h).emplace_back(Slice(c10::nullopt, mx, st)); break;
    default: IDX(h).emplace_back(Slice(c10::nullopt, c10::nullopt, st)); break;
  }
  FAIRL_CATCH_VOID
}
DJL_FN(void, torchIndexAppendFixed)(JNIEnv* env, jobject, jlong h, jlong idx) {
  FAIRL_TRY(torchIndexAppendFixed)
  IDX(h).emplace_back(static_cast<int64_t>(idx));
  FAIRL_CATCH_VOID
}
DJL_FN(void, torchIndexAppendArray)(JNIEnv* env, jobject, jlong h, jlong arr) {
  FAIRL_TRY(torchIndexAppendArray)
  IDX(h).emplace_back(T(arr));
  FAIRL_CATCH_VOID
}
DJL_FN(jlong, torchIndexAdvGet)(JNIEnv* env, jobject, jlong h, jlong idx) {
  FAIRL_TRY(torchIndexAdvGet)
  return H(T(h).index(IDX(idx)));
  FAIRL_CATCH(0)
}
DJL_FN(void, torchIndexAdvPut)(JNIEnv* env, jobject, jlong h, jlong idx, jlong data) {
  FAIRL_TRY(torchIndexAdvPut)
  T(h).index_put_(IDX(idx), T(data));
  FAIRL_CATCH_VOID
}

DJL_FN(jlong, torchGather)(JNIEnv* env, jobject, jlong h, jlong index, jlong dim, jboolean sparseGrad) {
  FAIRL_TRY(torchGather)
  return H(T(h).gather(dim, T(index), sparseGrad));
  FAIRL_CATCH(0)
}
DJL_BINARY(torchTake, a.take(b))
DJL_FN(jlong, torchPut)(JNIEnv* env, jobject, jlong h, jlong index, jlong value) {
  FAIRL_TRY(torchPut)
  return H(T(h).put(T(index), T(value)));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchScatter)(JNIEnv* env, jobject, jlong h, jlong index, jlong value, jint axis) {
  FAIRL_TRY(torchScatter)
  return H(T(h).scatter(axis, T(index), T(value)));
  FAIRL_CATCH(0)
}
DJL_BINARY(torchMaskedSelect, a.masked_select(b.scalar_type() == at::kBool ? b : b.to(at::kBool)))
DJL_FN(void, torchMaskedPut)(JNIEnv* env, jobject, jlong h, jlong value, jlong mask) {
  FAIRL_TRY(torchMaskedPut)
  const at::Tensor& m = T(mask);
  const at::Tensor& v = T(value);
  at::Tensor bm = m.scalar_type() == at::kBool ? m : m.to(at::kBool);
  if (v.dim() == 0) T(h).masked_fill_(bm, v);
  else T(h).masked_scatter_(bm, v);
  FAIRL_CATCH_VOID
}
DJL_UNARY(torchNonZeros, x.nonzero())
DJL_FN(jlong, torchNNOneHot)(JNIEnv* env, jobject, jlong h, jint depth) {
  FAIRL_TRY(torchNNOneHot)
  return H(at::one_hot(T(h), depth));
  FAIRL_CATCH(0)
}
