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
//
// Overlap (GradReducer): DDP's scheme without DDP's Reducer class (whose constructor and hook
// plumbing differ between PyTorch 1.13 and 2.x): a post hook on each parameter's AccumulateGrad node
// copies its gradient into its bucket's flat buffer once the backward has accumulated it; a bucket
// whose gradients are all in is all-reduced asynchronously at once (buckets launch in plan order on
// every rank, as DDP's do), while the backward goes on. finish() launches what never became ready
// (a parameter without a gradient counts as zeros), waits, and copies the sums back. A parameter whose
// hook fires again after its bucket left (tied weights seen in two checkpointed backward passes) marks
// the bucket dirty: it is reduced again, synchronously, from the final local gradients.
//
// Sharding helpers (FullySharded in Java): set_data swaps a parameter's storage in place (a
// gathered full tensor or an empty one) without touching its autograd identity, as FSDP does;
// setGrad/gradDefined manage .grad of parameters and of shards.
#include <torch/csrc/autograd/function.h>
#include <torch/csrc/autograd/function_hook.h>
#include <torch/csrc/autograd/variable.h>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
#include <torch/csrc/distributed/c10d/Types.hpp>

#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#ifdef USE_C10D_NCCL
#include <c10/cuda/CUDAFunctions.h>
#include <torch/csrc/distributed/c10d/ProcessGroupNCCL.hpp>
#endif

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <vector>

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
  if (g.nccl && in.dim() > 0) {  // one flat output, no per-rank copies
    std::vector<int64_t> shape = in.sizes().vec();
    shape[0] *= g.size;
    at::Tensor out = at::empty(shape, in.options());
    wait(g.pg->_allgather_base(out, in));
    return H(out);
  }
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
    at::Tensor out = at::empty_like(in.narrow(0, 0, n));
    c10d::ReduceScatterOptions opts;
    opts.reduceOp = c10d::ReduceOp(op == 2 ? c10d::ReduceOp::MAX : c10d::ReduceOp::SUM);
    wait(g.pg->_reduce_scatter_base(out, in, opts));
    if (op == 1) out.div_(g.size);
    return H(out);
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

// ---------------------------------------------------------------------------------------------
// Gradient all-reduce overlapped with the backward pass.

namespace {

struct GradReducer;

struct ReadyHook : torch::autograd::FunctionPostHook {
  GradReducer* reducer;
  size_t index;
  ReadyHook(GradReducer* r, size_t i) : reducer(r), index(i) {}
  torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                            const torch::autograd::variable_list&) override;
};

struct GradReducer {
  struct Bucket {
    std::vector<size_t> members;
    std::vector<int64_t> offsets;
    int64_t numel = 0;
    at::Tensor buffer;  // (numel,) flat, the members' gradients in order
    size_t pending = 0;
    bool launched = false;
    bool dirty = false;
    c10::intrusive_ptr<c10d::Work> work;
  };
  Group* group;
  std::vector<at::Tensor> params;
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators;
  std::vector<size_t> bucketOf;
  std::vector<size_t> slotOf;
  std::vector<char> ready;
  std::vector<Bucket> buckets;
  size_t nextLaunch = 0;
  bool armed = false;
  long launchedInBackward = 0;  // statistics: buckets that left while the backward still ran
  std::mutex mu;

  at::Tensor slice(size_t i) {
    Bucket& b = buckets[bucketOf[i]];
    return b.buffer.narrow(0, b.offsets[slotOf[i]], params[i].numel());
  }

  void copyIn(size_t i) {
    at::Tensor grad = params[i].grad();
    at::Tensor dst = slice(i);
    if (grad.defined()) {
      dst.copy_(grad.reshape({-1}));
    } else {
      dst.zero_();
    }
  }

  void launch(Bucket& b) {
    std::vector<at::Tensor> ts{b.buffer};
    c10d::AllreduceOptions opts;
    opts.reduceOp = c10d::ReduceOp(c10d::ReduceOp::SUM);
    b.work = group->pg->allreduce(ts, opts);
    b.launched = true;
  }

  void launchReady(bool inBackward) {
    while (nextLaunch < buckets.size() && buckets[nextLaunch].pending == 0) {
      launch(buckets[nextLaunch]);
      if (inBackward) launchedInBackward++;
      nextLaunch++;
    }
  }

  void onReady(size_t i) {
    std::lock_guard<std::mutex> lock(mu);
    if (!armed) return;
    c10::InferenceMode off(false);
    at::NoGradGuard noGrad;
    Bucket& b = buckets[bucketOf[i]];
    if (b.launched) {
      b.dirty = true;  // more gradient arrived after the bucket left
      return;
    }
    copyIn(i);  // again if it fired before: the accumulated gradient is the latest
    if (!ready[i]) {
      ready[i] = 1;
      b.pending--;
      launchReady(true);
    }
  }

  // Completes the step's reduction; copyBack false only waits (a skipped step).
  void finish(bool copyBack) {
    std::lock_guard<std::mutex> lock(mu);
    c10::InferenceMode off(false);
    at::NoGradGuard noGrad;
    for (size_t k = nextLaunch; k < buckets.size(); ++k) {
      Bucket& b = buckets[k];
      for (size_t i : b.members) {
        if (!ready[i]) copyIn(i);
      }
      launch(b);
    }
    nextLaunch = buckets.size();
    for (Bucket& b : buckets) {
      wait(b.work);
      b.work.reset();
      if (b.dirty) {
        for (size_t i : b.members) copyIn(i);
        launch(b);
        wait(b.work);
        b.work.reset();
      }
      if (copyBack) {
        for (size_t i : b.members) {
          at::Tensor& p = params[i];
          if (!p.grad().defined()) p.mutable_grad() = at::zeros_like(p);
          p.mutable_grad().copy_(slice(i).view(p.grad().sizes()));
        }
      }
      b.pending = b.members.size();
      b.launched = false;
      b.dirty = false;
    }
    std::fill(ready.begin(), ready.end(), 0);
    nextLaunch = 0;
    armed = false;
  }

  ~GradReducer() {
    for (size_t i = 0; i < accumulators.size(); ++i) {
      auto& hooks = accumulators[i]->post_hooks();
      hooks.erase(std::remove_if(hooks.begin(), hooks.end(),
                                 [this](const std::unique_ptr<torch::autograd::FunctionPostHook>& h) {
                                   auto* r = dynamic_cast<ReadyHook*>(h.get());
                                   return r != nullptr && r->reducer == this;
                                 }),
                  hooks.end());
    }
  }
};

torch::autograd::variable_list ReadyHook::operator()(const torch::autograd::variable_list& outputs,
                                                     const torch::autograd::variable_list&) {
  reducer->onReady(index);
  return outputs;
}

GradReducer& GR(jlong h) { return *reinterpret_cast<GradReducer*>(h); }

}  // namespace

// params: parameter handles; bucketSizes: how many consecutive entries of params form each bucket
// (in launch order). Registers one hook per parameter; destroy removes them.
PG_FN(jlong, reducerCreate)(JNIEnv* env, jclass, jlong h, jlongArray handles, jintArray jsizes) {
  FAIRL_TRY(pg_reducerCreate)
  auto ps = tensors(env, handles);
  jsize nb = env->GetArrayLength(jsizes);
  std::vector<jint> sizes(static_cast<size_t>(nb));
  env->GetIntArrayRegion(jsizes, 0, nb, sizes.data());
  auto r = std::make_unique<GradReducer>();
  r->group = &G(h);
  r->params = ps;
  r->bucketOf.resize(ps.size());
  r->slotOf.resize(ps.size());
  r->ready.assign(ps.size(), 0);
  size_t next = 0;
  for (jint n : sizes) {
    GradReducer::Bucket b;
    for (jint k = 0; k < n; ++k, ++next) {
      if (next >= ps.size()) throw std::invalid_argument("bucket sizes exceed the parameters");
      const at::Tensor& p = ps[next];
      if (!p.requires_grad() || !p.is_leaf()) {
        throw std::invalid_argument("parameter " + std::to_string(next) +
                                    " is not a leaf that requires a gradient");
      }
      if (!b.members.empty() && p.scalar_type() != ps[b.members[0]].scalar_type()) {
        throw std::invalid_argument("a gradient bucket mixes data types");
      }
      r->bucketOf[next] = r->buckets.size();
      r->slotOf[next] = b.members.size();
      b.offsets.push_back(b.numel);
      b.members.push_back(next);
      b.numel += p.numel();
    }
    b.pending = b.members.size();
    c10::InferenceMode off(false);
    b.buffer = at::empty({b.numel}, ps[b.members[0]].options().requires_grad(false));
    r->buckets.push_back(std::move(b));
  }
  if (next != ps.size()) throw std::invalid_argument("bucket sizes do not cover the parameters");
  for (size_t i = 0; i < ps.size(); ++i) {
    auto acc = torch::autograd::impl::grad_accumulator(ps[i]);
    acc->add_post_hook(std::make_unique<ReadyHook>(r.get(), i));
    r->accumulators.push_back(acc);
  }
  return reinterpret_cast<jlong>(r.release());
  FAIRL_CATCH(0)
}

// The next backward is the step's last: its hooks reduce buckets as they fill.
PG_FN(void, reducerArm)(JNIEnv* env, jclass, jlong r) {
  FAIRL_TRY(pg_reducerArm)
  std::lock_guard<std::mutex> lock(GR(r).mu);
  GR(r).armed = true;
  FAIRL_CATCH_VOID
}

// Waits for every bucket (launching those still pending) and, when copyBack, writes the sums into
// the gradients. Returns how many buckets had left during the backward (since creation).
PG_FN(jlong, reducerFinish)(JNIEnv* env, jclass, jlong r, jboolean copyBack) {
  FAIRL_TRY(pg_reducerFinish)
  GR(r).finish(copyBack);
  return GR(r).launchedInBackward;
  FAIRL_CATCH(0)
}

PG_FN(void, reducerDestroy)(JNIEnv* env, jclass, jlong r) {
  FAIRL_TRY(pg_reducerDestroy)
  delete reinterpret_cast<GradReducer*>(r);
  FAIRL_CATCH_VOID
}

// ---------------------------------------------------------------------------------------------
// Sharding helpers.

// param's data becomes data's (same dtype and device; any shape), autograd identity kept.
PG_FN(void, setData)(JNIEnv* env, jclass, jlong param, jlong data) {
  FAIRL_TRY(pg_setData)
  c10::InferenceMode off(false);
  T(param).set_data(T(data));
  FAIRL_CATCH_VOID
}

// param's data becomes an empty (0,) tensor: its storage is freed once nothing else holds it.
PG_FN(void, releaseData)(JNIEnv* env, jclass, jlong param) {
  FAIRL_TRY(pg_releaseData)
  c10::InferenceMode off(false);
  at::Tensor& p = T(param);
  p.set_data(at::empty({0}, p.options().requires_grad(false)));
  FAIRL_CATCH_VOID
}

// t.grad = g (0: undefined).
PG_FN(void, setGrad)(JNIEnv* env, jclass, jlong t, jlong g) {
  FAIRL_TRY(pg_setGrad)
  c10::InferenceMode off(false);
  if (g == 0) {
    T(t).mutable_grad().reset();
  } else {
    T(t).mutable_grad() = T(g);
  }
  FAIRL_CATCH_VOID
}

PG_FN(jboolean, gradDefined)(JNIEnv* env, jclass, jlong t) {
  FAIRL_TRY(pg_gradDefined)
  return T(t).grad().defined() ? JNI_TRUE : JNI_FALSE;
  FAIRL_CATCH(JNI_FALSE)
}
