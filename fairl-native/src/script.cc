// TorchScript modules (DJL's PtSymbolBlock / PtModel.load) and the legacy autograd profiler.
// Built when FAIRL_WITH_SCRIPT is ON (default); these headers are the heaviest and the most
// version-dependent, so build.sh retries without this file if it stops compiling.
#include <torch/csrc/autograd/profiler_legacy.h>
#include <torch/csrc/jit/api/module.h>
#include <torch/csrc/jit/runtime/graph_executor.h>
#include <torch/csrc/jit/serialization/import.h>

#include <fstream>
#include <memory>
#include <sstream>

#include "common.h"

using namespace fairl;
using torch::jit::Module;

static Module& MOD(jlong h) { return *reinterpret_cast<Module*>(h); }

// extraFileValues is filled in: DJL passes an empty String[] of the keys' length.
DJL_FN(jlong, moduleLoad__Ljava_lang_String_2_3IZ_3Ljava_lang_String_2_3Ljava_lang_String_2Z)(
    JNIEnv* env, jobject, jstring path, jintArray device, jboolean mapLocation, jobjectArray keys,
    jobjectArray values, jboolean /*trainParam: DJL freezes parameters on the Java side*/) {
  FAIRL_TRY(moduleLoad__Ljava_lang_String_2_3IZ_3Ljava_lang_String_2_3Ljava_lang_String_2Z)
  torch::jit::ExtraFilesMap files;
  jsize n = keys == nullptr ? 0 : env->GetArrayLength(keys);
  std::vector<std::string> names;
  for (jsize i = 0; i < n; ++i) {
    auto k = static_cast<jstring>(env->GetObjectArrayElement(keys, i));
    names.push_back(str(env, k));
    files[names.back()] = "";
    env->DeleteLocalRef(k);
  }
  c10::optional<at::Device> dev = c10::nullopt;
  if (mapLocation) dev = toDevice(env, device);
  auto* module = new Module(torch::jit::load(str(env, path), dev, files));
  for (jsize i = 0; i < n; ++i) {
    jstring v = env->NewStringUTF(files[names[i]].c_str());
    env->SetObjectArrayElement(values, i, v);
    env->DeleteLocalRef(v);
  }
  return reinterpret_cast<jlong>(module);
  FAIRL_CATCH(0)
}

// Reads the stream through InputStream.read(buffer) (size < 0: to the end).
DJL_FN(jlong, moduleLoad__Ljava_io_InputStream_2_3IZ_3BJ)(JNIEnv* env, jobject, jobject is,
                                                            jintArray device, jboolean mapLocation,
                                                            jbyteArray buffer, jlong size) {
  FAIRL_TRY(moduleLoad__Ljava_io_InputStream_2_3IZ_3BJ)
  jclass cls = env->GetObjectClass(is);
  jmethodID read = env->GetMethodID(cls, "read", "([BII)I");
  jsize cap = env->GetArrayLength(buffer);
  std::string data;
  int64_t remaining = size;
  while (size < 0 || remaining > 0) {
    jint want = size < 0 ? cap : static_cast<jint>(std::min<int64_t>(cap, remaining));
    jint got = env->CallIntMethod(is, read, buffer, 0, want);
    if (env->ExceptionCheck()) return 0;
    if (got < 0) break;
    std::string chunk(static_cast<size_t>(got), '\0');
    env->GetByteArrayRegion(buffer, 0, got, reinterpret_cast<jbyte*>(&chunk[0]));
    data += chunk;
    remaining -= got;
  }
  std::istringstream in(data);
  c10::optional<at::Device> dev = c10::nullopt;
  if (mapLocation) dev = toDevice(env, device);
  return reinterpret_cast<jlong>(new Module(torch::jit::load(in, dev)));
  FAIRL_CATCH(0)
}

DJL_FN(void, moduleEval)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(moduleEval)
  MOD(h).eval();
  FAIRL_CATCH_VOID
}
DJL_FN(void, moduleTrain)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(moduleTrain)
  MOD(h).train();
  FAIRL_CATCH_VOID
}
DJL_FN(void, torchDeleteModule)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(torchDeleteModule)
  delete reinterpret_cast<Module*>(h);
  FAIRL_CATCH_VOID
}
// Runs with autograd on only in training; separateCudaStream is not honoured (default stream).
DJL_FN(jlong, moduleRunMethod)(JNIEnv* env, jobject, jlong h, jstring method, jlongArray inputs,
                               jboolean isTrain, jboolean /*separateCudaStream*/) {
  FAIRL_TRY(moduleRunMethod)
  std::vector<c10::IValue> args;
  for (int64_t i : longs(env, inputs)) args.push_back(*reinterpret_cast<c10::IValue*>(i));
  at::AutoGradMode grad(isTrain);
  c10::IValue out = MOD(h).get_method(str(env, method))(std::move(args));
  return reinterpret_cast<jlong>(new c10::IValue(std::move(out)));
  FAIRL_CATCH(0)
}
DJL_FN(void, setGraphExecutorOptimize)(JNIEnv* env, jobject, jboolean enabled) {
  FAIRL_TRY(setGraphExecutorOptimize)
  torch::jit::setGraphExecutorOptimize(enabled);
  FAIRL_CATCH_VOID
}
// Writes the module through OutputStream.write(buffer, 0, n); writeSize: first the byte count as
// a big-endian long (what JniUtils.loadModuleHandle reads back with DataInputStream.readLong).
DJL_FN(void, moduleWrite)(JNIEnv* env, jobject, jlong h, jobject os, jbyteArray buffer,
                          jboolean writeSize) {
  FAIRL_TRY(moduleWrite)
  std::ostringstream out;
  MOD(h).save(out);
  std::string data = out.str();
  jclass cls = env->GetObjectClass(os);
  jmethodID write = env->GetMethodID(cls, "write", "([BII)V");
  jsize cap = env->GetArrayLength(buffer);
  if (writeSize) {
    jbyte size[8];
    uint64_t n = data.size();
    for (int i = 0; i < 8; ++i) size[i] = static_cast<jbyte>((n >> (56 - 8 * i)) & 0xff);
    env->SetByteArrayRegion(buffer, 0, 8, size);
    env->CallVoidMethod(os, write, buffer, 0, 8);
    if (env->ExceptionCheck()) return;
  }
  for (size_t off = 0; off < data.size(); off += cap) {
    jsize n = static_cast<jsize>(std::min<size_t>(cap, data.size() - off));
    env->SetByteArrayRegion(buffer, 0, n, reinterpret_cast<const jbyte*>(data.data() + off));
    env->CallVoidMethod(os, write, buffer, 0, n);
    if (env->ExceptionCheck()) return;
  }
  FAIRL_CATCH_VOID
}
DJL_FN(jlongArray, moduleGetParams)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(moduleGetParams)
  std::vector<at::Tensor> ps;
  for (const auto& p : MOD(h).named_parameters()) ps.push_back(p.value);
  return handleArray(env, ps);
  FAIRL_CATCH(nullptr)
}
static jobjectArray stringArray(JNIEnv* env, const std::vector<std::string>& v) {
  jobjectArray arr = env->NewObjectArray(static_cast<jsize>(v.size()), env->FindClass("java/lang/String"), nullptr);
  for (size_t i = 0; i < v.size(); ++i) {
    jstring s = env->NewStringUTF(v[i].c_str());
    env->SetObjectArrayElement(arr, static_cast<jsize>(i), s);
    env->DeleteLocalRef(s);
  }
  return arr;
}
DJL_FN(jobjectArray, moduleGetParamNames)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(moduleGetParamNames)
  std::vector<std::string> names;
  for (const auto& p : MOD(h).named_parameters()) names.push_back(p.name);
  return stringArray(env, names);
  FAIRL_CATCH(nullptr)
}
DJL_FN(jobjectArray, moduleGetMethodNames)(JNIEnv* env, jobject, jlong h) {
  FAIRL_TRY(moduleGetMethodNames)
  std::vector<std::string> names;
  for (const auto& m : MOD(h).get_methods()) names.push_back(m.name());
  return stringArray(env, names);
  FAIRL_CATCH(nullptr)
}

// --- profiler: the legacy autograd profiler, written as a Chrome trace at stop ------------------
static std::unique_ptr<std::ostringstream> traceOut;
static std::unique_ptr<torch::autograd::profiler::RecordProfile> recorder;

// useCuda, recordShape, profileMemory: the legacy profiler records CPU events only; flags ignored.
DJL_FN(void, torchStartProfile)(JNIEnv* env, jobject, jboolean, jboolean, jboolean) {
  FAIRL_TRY(torchStartProfile)
  TORCH_CHECK(!recorder, "fairl-native: the profiler is already running");
  traceOut = std::make_unique<std::ostringstream>();
  recorder = std::make_unique<torch::autograd::profiler::RecordProfile>(*traceOut);
  FAIRL_CATCH_VOID
}
DJL_FN(void, torchStopProfile)(JNIEnv* env, jobject, jstring file) {
  FAIRL_TRY(torchStopProfile)
  TORCH_CHECK(recorder, "fairl-native: the profiler is not running");
  recorder.reset();  // writes the trace into traceOut
  std::ofstream f(str(env, file));
  TORCH_CHECK(f.good(), "fairl-native: cannot write the profile to ", str(env, file));
  f << traceOut->str();
  traceOut.reset();
  FAIRL_CATCH_VOID
}
