// fairl-native: a JNI library implementing DJL 0.36's ai.djl.pytorch.jni.PyTorchLibrary natives
// against whatever PyTorch the host has (Debian's libtorch 1.13 on CPU, PyTorch 2.x + CUDA on GPU).
//
// Written from DJL's public Java side (PyTorchLibrary.java, JniUtils.java, PtNDArray*.java): each
// native receives handles (pointers to heap-allocated at::Tensor) and returns new handles; DJL's
// Java side owns them and frees them through torchDeleteTensor.
//
// Simplified: natives that DJL declares but fairl-native does not implement are simply absent, so
// the JVM throws UnsatisfiedLinkError naming the method on first use (never a silent no-op);
// tools/coverage.py lists them.
#pragma once

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <c10/util/Exception.h>
#include <jni.h>
#include <torch/version.h>

#include <atomic>
#include <string>
#include <vector>

#define FAIRL_TORCH_AT_LEAST(maj, min) \
  (TORCH_VERSION_MAJOR > (maj) || (TORCH_VERSION_MAJOR == (maj) && TORCH_VERSION_MINOR >= (min)))

namespace fairl {

// --- handles ---------------------------------------------------------------------------------
inline at::Tensor& T(jlong h) { return *reinterpret_cast<at::Tensor*>(h); }
inline jlong H(at::Tensor t) { return reinterpret_cast<jlong>(new at::Tensor(std::move(t))); }
inline c10::optional<at::Tensor> optT(jlong h) {
  if (h == 0) return c10::nullopt;
  return T(h);
}

// --- errors: C++ exceptions become ai.djl.engine.EngineException -------------------------------
void throwJava(JNIEnv* env, const char* msg, const char* cls = "ai/djl/engine/EngineException");

// --- which natives ran (FusedNatives.usedNatives lists them; the op suite reports coverage) ---
void markUsed(const char* name);

// --- DJL enum mappings ------------------------------------------------------------------------
at::ScalarType toScalarType(jint djlDType);
jint fromScalarType(at::ScalarType t);
at::Device toDevice(JNIEnv* env, jintArray device);
at::TensorOptions options(JNIEnv* env, jint dtype, jintArray device);
at::Tensor applyLayout(at::Tensor t, jint layout, bool requiresGrad);

// --- JNI array helpers ------------------------------------------------------------------------
std::vector<int64_t> longs(JNIEnv* env, jlongArray arr);
std::vector<at::Tensor> tensors(JNIEnv* env, jlongArray arr);
jlongArray handleArray(JNIEnv* env, const std::vector<at::Tensor>& ts);
jlongArray longArray(JNIEnv* env, const std::vector<int64_t>& values);
std::string str(JNIEnv* env, jstring s);

// --- CUDA caching allocator (cuda.cc when built against c10_cuda, else nocuda.cc) -------------
void cudaEmptyCache();
bool cudaStatsAvailable();
// {allocated, peak allocated, reserved, peak reserved} bytes of the device.
std::vector<int64_t> cudaMemoryStats(int device);
void cudaResetPeak(int device);
void cudaSync();
std::vector<std::string> usedNatives();

}  // namespace fairl

#define FAIRL_MARK(name)                                   \
  do {                                                     \
    static std::atomic<bool> fairl_seen_{false};           \
    if (!fairl_seen_.exchange(true, std::memory_order_relaxed)) \
      ::fairl::markUsed(name);                             \
  } while (0)

#define DJL_FN(ret, name) \
  extern "C" JNIEXPORT ret JNICALL Java_ai_djl_pytorch_jni_PyTorchLibrary_##name

#define FAIRL_TRY(name) \
  FAIRL_MARK(#name);    \
  try {
#define FAIRL_CATCH(defval)                                      \
  }                                                              \
  catch (const c10::Error& e) {                                  \
    ::fairl::throwJava(env, e.what_without_backtrace());         \
  }                                                              \
  catch (const std::exception& e) {                              \
    ::fairl::throwJava(env, e.what());                           \
  }                                                              \
  return defval;
#define FAIRL_CATCH_VOID                                         \
  }                                                              \
  catch (const c10::Error& e) {                                  \
    ::fairl::throwJava(env, e.what_without_backtrace());         \
  }                                                              \
  catch (const std::exception& e) {                              \
    ::fairl::throwJava(env, e.what());                           \
  }

// One-tensor-in, one-tensor-out natives: `x` is the input.
#define DJL_UNARY(name, expr)                                   \
  DJL_FN(jlong, name)(JNIEnv * env, jobject, jlong h) {         \
    FAIRL_TRY(name)                                             \
    const at::Tensor& x = ::fairl::T(h);                        \
    return ::fairl::H(expr);                                    \
    FAIRL_CATCH(0)                                              \
  }
// Two-tensor natives: `a`, `b`.
#define DJL_BINARY(name, expr)                                        \
  DJL_FN(jlong, name)(JNIEnv * env, jobject, jlong ha, jlong hb) {    \
    FAIRL_TRY(name)                                                   \
    const at::Tensor& a = ::fairl::T(ha);                             \
    const at::Tensor& b = ::fairl::T(hb);                             \
    return ::fairl::H(expr);                                          \
    FAIRL_CATCH(0)                                                    \
  }
// In-place two-tensor natives.
#define DJL_BINARY_INPLACE(name, stmt)                               \
  DJL_FN(void, name)(JNIEnv * env, jobject, jlong ha, jlong hb) {    \
    FAIRL_TRY(name)                                                  \
    at::Tensor& a = ::fairl::T(ha);                                  \
    const at::Tensor& b = ::fairl::T(hb);                            \
    stmt;                                                            \
    FAIRL_CATCH_VOID                                                 \
  }
