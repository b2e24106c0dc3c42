// Process groups for data-parallel training (Java: ai.fairl.engine.ProcessGroupNatives, used by
// ai.fairl.engine.ProcessGroup): PyTorch's own c10d, no home-made transport. Rendezvous through
// c10d::TCPStore (rank 0 serves it at MASTER_ADDR:MASTER_PORT, as torchrun's env:// does); NCCL on
// CUDA (built when nccl.h is found, USE_C10D_NCCL), Gloo on the CPU (built when gloo's headers are
// found, USE_C10D_GLOO; Debian's libtorch 1.13 has it with the libgloo-dev headers).
//
// Every collective is synchronous from the caller's point of view: it waits for the c10d work
// (for NCCL that orders the current CUDA stream after the NCCL stream, the host does not block).
// Simplified: AVG is SUM followed by a division by the world size (Gloo has no AVG op);
// reduce_scatter on Gloo, which has none in PyTorch 1.13/2.x, is an all_reduce followed by taking
// this rank's chunk (same result, N times the traffic); barrier is a one-element all_reduce on the
// group's device, which works the same on NCCL (whose barrier guesses a device) and Gloo.
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/Types.hpp>

#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef USE_C10D_NCCL
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <chrono>
#include <cstdlib>
#include <memory>

#include "common.h"

#if FAIRL_TORCH_AT_LEAST(2, 0)
#include <torch/csrc/distributed/c10d/Backend.hpp>
using PgBase = c10d::Backend;
#else
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
using PgBase = c10d::ProcessGroup;
#endif

using namespace fairl;

#define PG_FN(ret, name) \
  extern "C" JNIEXPORT ret JNICALL Java_ai_fairl_engine_ProcessGroupNatives_##name

namespace {

struct Group {
  c10::intrusive_ptr<c10d::Store> store;
  c10::intrusive_ptr<PgBase> pg;
  int rank;
  int size;
  bool nccl;
  at::Device device;
};

Group& G(jlong h) { return *reinterpret_cast<Group*>(h); }

void wait(const c10::intrusive_ptr<c10d::Work>& work) { work->wait(); }

void allReduceInPlace(Group& g, at::Tensor& t, jint op) {
  std::vector<at::Tensor> ts{t};
  c10d::AllreduceOptions opts;
  opts.reduceOp = c10d::ReduceOp(c10d::ReduceOp::SUM);
  if (op == 2) opts.reduceOp = c10d::ReduceOp(c10d::ReduceOp::MAX);
  wait(g.pg->allreduce(ts, opts));
  if (op == 1) {
    c10::InferenceMode guard(false);
    at::NoGradGuard noGrad;
    t.div_(g.size);
  }
}

void checkOp(jint op) {
  if (op < 0 || op > 2) {
    throw std::invalid_argument("reduce op must be 0 (sum), 1 (avg) or 2 (max), got " +
                                std::to_string(op));
  }
}

}  // namespace

// backends this build has: {"gloo"?, "nccl"?}
PG_FN(jobjectArray, backends)(JNIEnv* env, jclass) {
  FAIRL_TRY(pg_backends)
  std::vector<std::string> names;
#ifdef USE_C10D_GLOO
  names.push_back("gloo");
#endif
#ifdef USE_C10D_NCCL
  names.push_back("nccl");
#endif
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

// Joins the group: rank 0 serves the TCPStore, every rank connects; returns a group handle.
// device: the CUDA device index for NCCL, ignored by Gloo.
PG_FN(jlong, init)(JNIEnv* env, jclass, jstring jbackend, jstring jaddr, jint port, jint rank,
                   jint size, jint device, jlong timeoutMs) {
  FAIRL_TRY(pg_init)
  std::string backend = str(env, jbackend);
  std::string addr = str(env, jaddr);
  auto timeout = std::chrono::milliseconds(timeoutMs);
  c10d::TCPStoreOptions so;
  so.port = static_cast<std::uint16_t>(port);
  so.isServer = rank == 0;
  so.numWorkers = static_cast<std::size_t>(size);
  so.waitWorkers = true;
  so.timeout = timeout;
  auto store = c10::make_intrusive<c10d::TCPStore>(addr, so);
  auto g = std::make_unique<Group>(Group{store, {}, rank, size, false, at::Device(at::kCPU)});
  if (backend == "gloo") {
#ifdef USE_C10D_GLOO
    auto opts = c10d::ProcessGroupGloo::Options::create(timeout);
    const char* ifname = std::getenv("GLOO_SOCKET_IFNAME");
    if (ifname != nullptr && *ifname) {
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForInterface(ifname));
    } else if (addr == "127.0.0.1" || addr == "localhost") {
      opts->devices.push_back(c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1"));
    } else {
      opts->devices.push_back(c10d::ProcessGroupGloo::createDefaultDevice());
    }
    opts->threads = 2;
    g->pg = c10::make_intrusive<c10d::ProcessGroupGloo>(store, rank, size, opts);
#else
    throw std::runtime_error(
        "this fairl-native was built without Gloo (gloo's headers were not found at build time; "
        "on Debian: apt-get install libgloo-dev, then rebuild with bin/fairl native build)");
#endif
  } else if (backend == "nccl") {
#ifdef USE_C10D_NCCL
    c10::cuda::set_device(static_cast<c10::DeviceIndex>(device));
    auto opts = c10d::ProcessGroupNCCL::Options::create();
    opts->timeout = timeout;
    g->pg = c10::make_intrusive<c10d::ProcessGroupNCCL>(store, rank, size, opts);
    g->nccl = true;
    g->device = at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(device));
#else
    throw std::runtime_error(
        "this fairl-native was built without NCCL (nccl.h was not found at build time; install "
        "the nvidia-nccl package beside torch or set NCCL_INCLUDE, then rebuild)");
#endif
  } else {
    throw std::invalid_argument("process group backend must be gloo or nccl, got '" + backend +
                                "'");
  }
  return reinterpret_cast<jlong>(g.release());
  FAIRL_CATCH(0)
}

PG_FN(void, destroy)(JNIEnv* env, jclass, jlong h) {
  FAIRL_TRY(pg_destroy)
  delete reinterpret_cast<Group*>(h);
  FAIRL_CATCH_VOID
}

// In place on one tensor. op: 0 sum, 1 avg, 2 max.
PG_FN(void, allReduce)(JNIEnv* env, jclass, jlong h, jlong t, jint op) {
  FAIRL_TRY(pg_allReduce)
  checkOp(op);
  allReduceInPlace(G(h), T(t), op);
  FAIRL_CATCH_VOID
}

// One bucket: the tensors are flattened into one buffer (in order), all-reduced once and copied
// back in place. All must share dtype and device.
PG_FN(void, allReduceCoalesced)(JNIEnv* env, jclass, jlong h, jlongArray handles, jint op) {
  FAIRL_TRY(pg_allReduceCoalesced)
  checkOp(op);
  auto ts = tensors(env, handles);
  if (ts.empty()) return;
  c10::InferenceMode guard(false);
  at::NoGradGuard noGrad;
  std::vector<at::Tensor> flat;
  flat.reserve(ts.size());
  for (auto& t : ts) flat.push_back(t.reshape({-1}));
  at::Tensor buffer = at::cat(flat);  // (sum of numels,)
  allReduceInPlace(G(h), buffer, op);
  int64_t offset = 0;
  for (auto& t : ts) {
    int64_t n = t.numel();
    t.copy_(buffer.narrow(0, offset, n).view(t.sizes()));
    offset += n;
  }
  FAIRL_CATCH_VOID
}

// In place: every rank ends with root's values.
PG_FN(void, broadcast)(JNIEnv* env, jclass, jlong h, jlong t, jint root) {
  FAIRL_TRY(pg_broadcast)
  Group& g = G(h);
  c10::InferenceMode guard(false);
  at::NoGradGuard noGrad;
  at::Tensor& target = T(t);
  at::Tensor buf = target.is_contiguous() ? target : target.contiguous();
  std::vector<at::Tensor> ts{buf};
  c10d::BroadcastOptions opts;
  opts.rootRank = root;
  wait(g.pg->broadcast(ts, opts));
  if (!buf.is_same(target)) target.copy_(buf);
  FAIRL_CATCH_VOID
}

// Returns a new tensor (size * d0, ...): every rank's tensor concatenated along dim 0, rank order.
PG_FN(jlong, allGather)(JNIEnv* env, jclass, jlong h, jlong t) {
  FAIRL_TRY(pg_allGather)
  Group& g = G(h);
  c10::InferenceMode guard(false);
  at::NoGradGuard noGrad;
  at::Tensor in = T(t).contiguous();
  std::vector<at::Tensor> inputs{in};
  std::vector<std::vector<at::Tensor>> outputs(1);
  for (int r = 0; r < g.size; ++r) outputs[0].push_back(at::empty_like(in));
  wait(g.pg->allgather(outputs, inputs));
  return H(in.dim() == 0 ? at::stack(outputs[0]) : at::cat(outputs[0]));
  FAIRL_CATCH(0)
}

// Input (size * n, ...): reduced over ranks, this rank keeps rows [rank * n, (rank + 1) * n).
PG_FN(jlong, reduceScatter)(JNIEnv* env, jclass, jlong h, jlong t, jint op) {
  FAIRL_TRY(pg_reduceScatter)
  checkOp(op);
  Group& g = G(h);
  c10::InferenceMode guard(false);
  at::NoGradGuard noGrad;
  at::Tensor in = T(t).contiguous();
  if (in.dim() == 0 || in.size(0) % g.size != 0) {
    throw std::invalid_argument("reduce_scatter needs dim 0 divisible by the world size " +
                                std::to_string(g.size) + ", got shape " +
                                c10::str(in.sizes()));
  }
  int64_t n = in.size(0) / g.size;
  if (g.nccl) {
    std::vector<at::Tensor> outputs{at::empty_like(in.narrow(0, 0, n))};
    std::vector<std::vector<at::Tensor>> inputs(1);
    for (int r = 0; r < g.size; ++r) inputs[0].push_back(in.narrow(0, r * n, n).contiguous());
    c10d::ReduceScatterOptions opts;
    opts.reduceOp = c10d::ReduceOp(op == 2 ? c10d::ReduceOp::MAX : c10d::ReduceOp::SUM);
    wait(g.pg->reduce_scatter(outputs, inputs, opts));
    if (op == 1) outputs[0].div_(g.size);
    return H(outputs[0]);
  }
  at::Tensor buffer = in.clone();
  allReduceInPlace(g, buffer, op);
  return H(buffer.narrow(0, g.rank * n, n).clone());
  FAIRL_CATCH(0)
}

PG_FN(void, barrier)(JNIEnv* env, jclass, jlong h) {
  FAIRL_TRY(pg_barrier)
  Group& g = G(h);
  at::Tensor one = at::ones({1}, at::TensorOptions().dtype(at::kFloat).device(g.device));
  allReduceInPlace(g, one, 0);
  if (g.nccl) one.item<float>();  // the host waits too
  FAIRL_CATCH_VOID
}
