// Engine-wide state, tensor metadata, creation, conversion and memory IO natives.
#include <ATen/Parallel.h>
#include <ATen/Context.h>
#include <mutex>
#include <set>
#include <cstring>

#include "common.h"

namespace fairl {

void throwJava(JNIEnv* env, const char* msg, const char* cls) {
  if (env->ExceptionCheck()) return;  // keep the first Java exception
  jclass c = env->FindClass(cls);
  if (c == nullptr) {
    env->ExceptionClear();
    c = env->FindClass("java/lang/RuntimeException");
  }
  env->ThrowNew(c, msg);
}

static std::mutex usedMutex;
static std::set<std::string>& usedSet() {
  static std::set<std::string> s;
  return s;
}
void markUsed(const char* name) {
  std::lock_guard<std::mutex> lock(usedMutex);
  usedSet().insert(name);
}
std::vector<std::string> usedNatives() {
  std::lock_guard<std::mutex> lock(usedMutex);
  return std::vector<std::string>(usedSet().begin(), usedSet().end());
}

at::ScalarType toScalarType(jint d) {
  switch (d) {
    case 0: return at::kFloat;
    case 1: return at::kDouble;
    case 2: return at::kHalf;
    case 3: return at::kByte;
    case 4: return at::kInt;
    case 5: return at::kChar;
    case 6: return at::kLong;
    case 7: return at::kBool;
    case 8: return at::kComplexFloat;
    case 11: return at::kBFloat16;
#if FAIRL_TORCH_AT_LEAST(2, 3)
    case 12: return at::kUInt64;
    case 13: return at::kUInt32;
    case 14: return at::kUInt16;
#endif
    case 15: return at::kShort;
    default:
      throw std::invalid_argument("fairl-native: DJL data type ordinal " + std::to_string(d) +
                                  " has no PyTorch equivalent in this build");
  }
}

jint fromScalarType(at::ScalarType t) {
  switch (t) {
    case at::kFloat: return 0;
    case at::kDouble: return 1;
    case at::kHalf: return 2;
    case at::kByte: return 3;
    case at::kInt: return 4;
    case at::kChar: return 5;
    case at::kLong: return 6;
    case at::kBool: return 7;
    case at::kComplexFloat: return 8;
    case at::kBFloat16: return 11;
#if FAIRL_TORCH_AT_LEAST(2, 3)
    case at::kUInt64: return 12;
    case at::kUInt32: return 13;
    case at::kUInt16: return 14;
#endif
    case at::kShort: return 15;
    default: return 9;  // UNKNOWN
  }
}

at::Device toDevice(JNIEnv* env, jintArray device) {
  jint d[2] = {0, -1};
  env->GetIntArrayRegion(device, 0, 2, d);
  auto type = static_cast<c10::DeviceType>(d[0]);
  if (type == c10::DeviceType::CPU) return at::Device(type);
  return at::Device(type, static_cast<c10::DeviceIndex>(d[1] < 0 ? 0 : d[1]));
}

at::TensorOptions options(JNIEnv* env, jint dtype, jintArray device) {
  return at::TensorOptions().dtype(toScalarType(dtype)).device(toDevice(env, device));
}

at::Tensor applyLayout(at::Tensor t, jint layout, bool requiresGrad) {
  if (layout == 1) t = t.to_sparse();
  else if (layout == 2) t = t.to_mkldnn();
  if (requiresGrad) t.requires_grad_(true);
  return t;
}

std::vector<int64_t> longs(JNIEnv* env, jlongArray arr) {
  if (arr == nullptr) return {};
  jsize n = env->GetArrayLength(arr);
  std::vector<int64_t> v(n);
  if (n > 0) env->GetLongArrayRegion(arr, 0, n, reinterpret_cast<jlong*>(v.data()));
  return v;
}

std::vector<at::Tensor> tensors(JNIEnv* env, jlongArray arr) {
  std::vector<int64_t> hs = longs(env, arr);
  std::vector<at::Tensor> out;
  out.reserve(hs.size());
  for (int64_t h : hs) out.push_back(T(h));
  return out;
}

jlongArray handleArray(JNIEnv* env, const std::vector<at::Tensor>& ts) {
  std::vector<int64_t> hs;
  hs.reserve(ts.size());
  for (const auto& t : ts) hs.push_back(H(t));
  return longArray(env, hs);
}

jlongArray longArray(JNIEnv* env, const std::vector<int64_t>& values) {
  jlongArray arr = env->NewLongArray(static_cast<jsize>(values.size()));
  if (!values.empty())
    env->SetLongArrayRegion(arr, 0, static_cast<jsize>(values.size()),
                            reinterpret_cast<const jlong*>(values.data()));
  return arr;
}

std::string str(JNIEnv* env, jstring s) {
  if (s == nullptr) return "";
  const char* c = env->GetStringUTFChars(s, nullptr);
  std::string out(c);
  env->ReleaseStringUTFChars(s, c);
  return out;
}

}  // namespace fairl

using namespace fairl;

// --- global state ------------------------------------------------------------------------------
DJL_FN(jboolean, torchIsGradMode)(JNIEnv* env, jobject) {
  FAIRL_TRY(torchIsGradMode)
  return at::GradMode::is_enabled();
  FAIRL_CATCH(false)
}
DJL_FN(void, torchSetGradMode)(JNIEnv* env, jobject, jboolean enable) {
  FAIRL_TRY(torchSetGradMode)
  at::GradMode::set_enabled(enable);
  FAIRL_CATCH_VOID
}
DJL_FN(jint, torchGetNumInteropThreads)(JNIEnv* env, jobject) {
  FAIRL_TRY(torchGetNumInteropThreads)
  return at::get_num_interop_threads();
  FAIRL_CATCH(0)
}
DJL_FN(jint, torchGetNumThreads)(JNIEnv* env, jobject) {
  FAIRL_TRY(torchGetNumThreads)
  return at::get_num_threads();
  FAIRL_CATCH(0)
}
DJL_FN(void, torchSetNumInteropThreads)(JNIEnv* env, jobject, jint n) {
  FAIRL_TRY(torchSetNumInteropThreads)
  at::set_num_interop_threads(n);
  FAIRL_CATCH_VOID
}
DJL_FN(void, torchSetNumThreads)(JNIEnv* env, jobject, jint n) {
  FAIRL_TRY(torchSetNumThreads)
  at::set_num_threads(n);
  FAIRL_CATCH_VOID
}
DJL_FN(void, torchSetBenchmarkCuDNN)(JNIEnv* env, jobject, jboolean enable) {
  FAIRL_TRY(torchSetBenchmarkCuDNN)
  at::globalContext().setBenchmarkCuDNN(enable);
  FAIRL_CATCH_VOID
}
DJL_FN(void, torchManualSeed)(JNIEnv* env, jobject, jlong seed) {
  FAIRL_TRY(torchManualSeed)
  at::manual_seed(static_cast<uint64_t>(seed));
  FAIRL_CATCH_VOID
}
// DJL parses this set for feature names (CUDA, MKL, OPENMP, ...): we add one word per line of
// PyTorch's build configuration, as "NAME" tokens, plus fairl's own markers.
DJL_FN(void, torchShowConfig)(JNIEnv* env, jobject, jobject set) {
  FAIRL_TRY(torchShowConfig)
  jclass cls = env->GetObjectClass(set);
  jmethodID add = env->GetMethodID(cls, "add", "(Ljava/lang/Object;)Z");
  std::vector<std::string> features = {"FAIRL_NATIVE", "TORCH_" TORCH_VERSION};
  if (at::hasCUDA()) features.push_back("CUDA");
  if (at::hasMKL()) features.push_back("MKL");
  if (at::hasMKLDNN()) features.push_back("MKLDNN");
  if (at::hasOpenMP()) features.push_back("OPENMP");
  if (at::hasLAPACK()) features.push_back("LAPACK");
  for (const auto& f : features) {
    jstring s = env->NewStringUTF(f.c_str());
    env->CallBooleanMethod(set, add, s);
    env->DeleteLocalRef(s);
  }
  FAIRL_CATCH_VOID
}
DJL_FN(void, torchCudaEmptyCache)(JNIEnv* env, jobject) {
  FAIRL_TRY(torchCudaEmptyCache)
  // Emptying the caching allocator needs c10_cuda: cuda.cc (CUDA builds) or nocuda.cc.
  cudaEmptyCache();
  FAIRL_CATCH_VOID
}

// --- metadata ----------------------------------------------------------------------------------
DJL_FN(jlongArray, torchSizes)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(torchSizes)
  auto s = T(h).sizes();
  return longArray(env, std::vector<int64_t>(s.begin(), s.end()));
  FAIRL_CATCH(nullptr)
}
DJL_FN(jint, torchDType)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(torchDType)
  return fromScalarType(T(h).scalar_type());
  FAIRL_CATCH(0)
}
DJL_FN(jintArray, torchDevice)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(torchDevice)
  at::Device d = T(h).device();
  jint v[2] = {static_cast<jint>(d.type()), d.is_cpu() ? -1 : static_cast<jint>(d.index())};
  jintArray arr = env->NewIntArray(2);
  env->SetIntArrayRegion(arr, 0, 2, v);
  return arr;
  FAIRL_CATCH(nullptr)
}
DJL_FN(jint, torchLayout)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(torchLayout)
  auto l = T(h).layout();
  if (l == at::kStrided) return 0;
  if (l == at::kSparse) return 1;
  if (l == at::kMkldnn) return 2;
  throw std::invalid_argument("fairl-native: unsupported tensor layout");
  FAIRL_CATCH(0)
}
DJL_FN(jboolean, torchIsContiguous)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(torchIsContiguous)
  return T(h).is_contiguous();
  FAIRL_CATCH(false)
}
DJL_UNARY(torchToContiguous, x.to_dense().contiguous())
DJL_UNARY(tensorClone, x.clone())
DJL_UNARY(torchToSparse, x.to_sparse())
DJL_UNARY(torchToDense, x.to_dense())

DJL_FN(jlong, torchTo)(JNIEnv* env, jobject, jlong h, jint dtype, jintArray device) {
  FAIRL_TRY(torchTo)
  return H(T(h).to(toDevice(env, device), toScalarType(dtype), false, false));
  FAIRL_CATCH(0)
}

DJL_FN(void, torchDeleteTensor)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(torchDeleteTensor)
  delete reinterpret_cast<at::Tensor*>(h);
  FAIRL_CATCH_VOID
}

// --- memory IO ---------------------------------------------------------------------------------
DJL_FN(jbyteArray, torchDataPtr)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(torchDataPtr)
  at::Tensor t = T(h).to_dense().contiguous();
  if (!t.is_cpu()) t = t.cpu();
  jsize n = static_cast<jsize>(t.nbytes());
  jbyteArray arr = env->NewByteArray(n);
  if (n > 0) env->SetByteArrayRegion(arr, 0, n, static_cast<const jbyte*>(t.data_ptr()));
  return arr;
  FAIRL_CATCH(nullptr)
}
// DJL makes the tensor contiguous and CPU-resident first; the buffer aliases its memory.
DJL_FN(jobject, torchDirectByteBuffer)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(torchDirectByteBuffer)
  const at::Tensor& t = T(h);
  TORCH_CHECK(t.is_cpu() && t.is_contiguous(), "fairl-native: torchDirectByteBuffer needs a contiguous CPU tensor");
  return env->NewDirectByteBuffer(t.data_ptr(), static_cast<jlong>(t.nbytes()));
  FAIRL_CATCH(nullptr)
}

static void* bufferAddress(JNIEnv* env, jobject buf, int64_t needed) {
  void* p = env->GetDirectBufferAddress(buf);
  TORCH_CHECK(p != nullptr || needed == 0, "fairl-native: expected a direct ByteBuffer");
  jlong cap = env->GetDirectBufferCapacity(buf);
  TORCH_CHECK(cap >= needed, "fairl-native: ByteBuffer holds ", cap, " bytes, tensor needs ", needed);
  return p;
}

// Every tensor gets its own copy of the direct buffer. Stock DJL aliases it on the CPU, but DJL
// closes the array behind NDArray.mul(Number) and friends right after the op while autograd still
// holds the scalar, so the Java buffer can be collected before the backward reads it (NaN/Inf
// gradients now and then; see ai.fairl.engine.Scalars). A copy owned by libtorch cannot dangle.
DJL_FN(jlong, torchFromBlob)(JNIEnv* env, jobject, jobject data, jlongArray shape, jint dtype,
                             jint layout, jintArray device, jboolean requiresGrad) {
  FAIRL_TRY(torchFromBlob)
  std::vector<int64_t> sizes = longs(env, shape);
  at::ScalarType st = toScalarType(dtype);
  int64_t numel = 1;
  for (auto s : sizes) numel *= s;
  void* p = bufferAddress(env, data, numel * static_cast<int64_t>(c10::elementSize(st)));
  at::Tensor t;
  if (numel == 0) {
    t = at::empty(sizes, at::TensorOptions().dtype(st));
  } else {
    t = at::from_blob(p, sizes, at::TensorOptions().dtype(st));
  }
  at::Device dev = toDevice(env, device);
  if (!dev.is_cpu()) t = t.to(dev, false, true);
  else t = t.clone();
  return H(applyLayout(t, layout, requiresGrad));
  FAIRL_CATCH(0)
}

DJL_FN(void, torchSet)(JNIEnv* env, jobject, jlong h, jobject data) {
  FAIRL_TRY(torchSet)
  at::Tensor& t = T(h);
  void* p = bufferAddress(env, data, static_cast<int64_t>(t.nbytes()));
  if (t.numel() == 0) return;
  at::Tensor src = at::from_blob(p, t.sizes(), at::TensorOptions().dtype(t.scalar_type()));
  at::NoGradGuard guard;
  t.copy_(src);
  FAIRL_CATCH_VOID
}

// --- creation ----------------------------------------------------------------------------------
#define DJL_FACTORY(name, expr)                                                                 \
  DJL_FN(jlong, name)(JNIEnv * env, jobject, jlongArray shape, jint dtype, jint layout,         \
                      jintArray device, jboolean requiresGrad) {                                \
    FAIRL_TRY(name)                                                                             \
    std::vector<int64_t> sizes = longs(env, shape);                                             \
    at::TensorOptions o = options(env, dtype, device);                                          \
    return H(applyLayout(expr, layout, requiresGrad));                                          \
    FAIRL_CATCH(0)                                                                              \
  }
DJL_FACTORY(torchEmpty, at::empty(sizes, o))
DJL_FACTORY(torchZeros, at::zeros(sizes, o))
DJL_FACTORY(torchOnes, at::ones(sizes, o))

DJL_FN(jlong, torchFull)(JNIEnv* env, jobject, jlongArray shape, jdouble value, jint dtype,
                         jint layout, jintArray device, jboolean requiresGrad) {
  FAIRL_TRY(torchFull)
  return H(applyLayout(at::full(longs(env, shape), value, options(env, dtype, device)), layout,
                       requiresGrad));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchZerosLike)(JNIEnv* env, jobject, jlong h, jint dtype, jint layout,
                              jintArray device, jboolean requiresGrad) {
  FAIRL_TRY(torchZerosLike)
  return H(applyLayout(at::zeros_like(T(h), options(env, dtype, device)), layout, requiresGrad));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchOnesLike)(JNIEnv* env, jobject, jlong h, jint dtype, jint layout,
                             jintArray device, jboolean requiresGrad) {
  FAIRL_TRY(torchOnesLike)
  return H(applyLayout(at::ones_like(T(h), options(env, dtype, device)), layout, requiresGrad));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchSparseCoo)(JNIEnv* env, jobject, jlongArray shape, jlong indices, jlong values,
                              jboolean requiresGrad) {
  FAIRL_TRY(torchSparseCoo)
  at::Tensor t = at::sparse_coo_tensor(T(indices), T(values), longs(env, shape));
  if (requiresGrad) t.requires_grad_(true);
  return H(t);
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchArange)(JNIEnv* env, jobject, jfloat start, jfloat end, jfloat step, jint dtype,
                           jint layout, jintArray device, jboolean requiresGrad) {
  FAIRL_TRY(torchArange)
  return H(applyLayout(at::arange(start, end, step, options(env, dtype, device)), layout,
                       requiresGrad));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchLinspace)(JNIEnv* env, jobject, jfloat start, jfloat end, jint steps, jint dtype,
                             jint layout, jintArray device, jboolean requiresGrad) {
  FAIRL_TRY(torchLinspace)
  return H(applyLayout(at::linspace(start, end, steps, options(env, dtype, device)), layout,
                       requiresGrad));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchEye)(JNIEnv* env, jobject, jint n, jint m, jint dtype, jint layout,
                        jintArray device, jboolean requiresGrad) {
  FAIRL_TRY(torchEye)
  return H(applyLayout(at::eye(n, m, options(env, dtype, device)), layout, requiresGrad));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchRandint)(JNIEnv* env, jobject, jlong low, jlong high, jlongArray shape,
                            jint dtype, jint layout, jintArray device, jboolean requiresGrad) {
  FAIRL_TRY(torchRandint)
  return H(applyLayout(at::randint(low, high, longs(env, shape), options(env, dtype, device)),
                       layout, requiresGrad));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchRandPerm)(JNIEnv* env, jobject, jlong n, jint dtype, jint layout,
                             jintArray device, jboolean requiresGrad) {
  FAIRL_TRY(torchRandPerm)
  return H(applyLayout(at::randperm(n, options(env, dtype, device)), layout, requiresGrad));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchNormal)(JNIEnv* env, jobject, jdouble mean, jdouble std, jlongArray shape,
                           jint dtype, jint layout, jintArray device, jboolean requiresGrad) {
  FAIRL_TRY(torchNormal)
  at::Tensor t = at::empty(longs(env, shape), options(env, dtype, device));
  t.normal_(mean, std);
  return H(applyLayout(t, layout, requiresGrad));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, tensorUniform)(JNIEnv* env, jobject, jdouble from, jdouble to, jlongArray shape,
                             jint dtype, jint layout, jintArray device, jboolean requiresGrad) {
  FAIRL_TRY(tensorUniform)
  at::Tensor t = at::empty(longs(env, shape), options(env, dtype, device));
  t.uniform_(from, to);
  return H(applyLayout(t, layout, requiresGrad));
  FAIRL_CATCH(0)
}
DJL_FN(jlong, torchHannWindow)(JNIEnv* env, jobject, jlong n, jboolean periodic, jintArray device) {
  FAIRL_TRY(torchHannWindow)
  return H(at::hann_window(n, periodic, at::TensorOptions().device(toDevice(env, device))));
  FAIRL_CATCH(0)
}
