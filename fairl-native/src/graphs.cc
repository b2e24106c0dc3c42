// CUDA graphs for fairl (Java: ai.fairl.engine.CudaGraph / GraphNatives): capture a stretch of
// ATen work issued through DJL's natives on this thread, then replay it with one launch.
//
// The Java side runs its work between captureBegin and captureEnd on the same thread; every ATen
// call in between lands on the current stream, which sideStream(true) set to a stream from
// PyTorch's pool (capture is not allowed on the default stream). at::cuda::CUDAGraph routes the
// caching allocator's allocations of that stream into a private pool for the graph's lifetime and
// registers the default CUDA generator, so random ops would advance their offsets per replay.
//
// Simplified: one graph per handle with its own pool; capture mode global (as torch.cuda.graph).
// A build without CUDA (FAIRL_WITH_CUDA=OFF) keeps these natives so Java links, and create() throws
// a clear error.
#include "common.h"

#ifdef FAIRL_GRAPHS_CUDA
#include <ATen/cuda/CUDAEvent.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAFunctions.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#endif

#include <memory>

using namespace fairl;

#define GRAPH_FN(ret, name) extern "C" JNIEXPORT ret JNICALL Java_ai_fairl_engine_GraphNatives_##name

#ifdef FAIRL_GRAPHS_CUDA
namespace {
struct Graph {
  explicit Graph(int dev) : device(dev), side(c10::cuda::getStreamFromPool(false, static_cast<c10::DeviceIndex>(dev))) {}
  int device;
  c10::cuda::CUDAStream side;
  c10::optional<c10::cuda::CUDAStream> saved;
  at::cuda::CUDAGraph graph;
  bool capturing = false;
  bool captured = false;
};
Graph& G(jlong h) {
  TORCH_CHECK(h != 0, "fairl-native: CUDA graph handle is null (closed?)");
  return *reinterpret_cast<Graph*>(h);
}
}  // namespace
#endif

GRAPH_FN(jboolean, built)(JNIEnv* env, jclass) {
#ifdef FAIRL_GRAPHS_CUDA
  return JNI_TRUE;
#else
  return JNI_FALSE;
#endif
}

GRAPH_FN(jlong, create)(JNIEnv* env, jclass, jint device) {
  FAIRL_TRY(fairl_graphCreate)
#ifdef FAIRL_GRAPHS_CUDA
  TORCH_CHECK(device >= 0 && device < c10::cuda::device_count(), "fairl-native: no CUDA device ",
              device, " (", static_cast<int>(c10::cuda::device_count()), " visible)");
  c10::cuda::CUDAGuard guard(static_cast<c10::DeviceIndex>(device));
  return reinterpret_cast<jlong>(new Graph(device));
#else
  TORCH_CHECK(false, "fairl-native was built without CUDA (FAIRL_WITH_CUDA=OFF): CUDA graphs need ",
              "a CUDA build of fairl-native against a CUDA PyTorch");
#endif
  FAIRL_CATCH(0)
}

GRAPH_FN(void, sideStream)(JNIEnv* env, jclass, jlong h, jboolean on) {
  FAIRL_TRY(fairl_graphSideStream)
#ifdef FAIRL_GRAPHS_CUDA
  Graph& g = G(h);
  c10::cuda::CUDAGuard guard(static_cast<c10::DeviceIndex>(g.device));
  if (on) {
    TORCH_CHECK(!g.saved.has_value(), "fairl-native: side stream already current");
    c10::cuda::CUDAStream cur = c10::cuda::getCurrentCUDAStream(static_cast<c10::DeviceIndex>(g.device));
    at::cuda::CUDAEvent ev;
    ev.record(cur);
    ev.block(g.side);
    g.saved = cur;
    c10::cuda::setCurrentCUDAStream(g.side);
  } else {
    TORCH_CHECK(g.saved.has_value(), "fairl-native: side stream is not current");
    TORCH_CHECK(!g.capturing, "fairl-native: end the capture before leaving the side stream");
    at::cuda::CUDAEvent ev;
    ev.record(g.side);
    ev.block(*g.saved);
    c10::cuda::setCurrentCUDAStream(*g.saved);
    g.saved.reset();
  }
#else
  TORCH_CHECK(false, "fairl-native was built without CUDA: no CUDA graphs");
#endif
  FAIRL_CATCH_VOID
}

GRAPH_FN(void, captureBegin)(JNIEnv* env, jclass, jlong h) {
  FAIRL_TRY(fairl_graphCaptureBegin)
#ifdef FAIRL_GRAPHS_CUDA
  Graph& g = G(h);
  TORCH_CHECK(g.saved.has_value(), "fairl-native: make the side stream current before capturing");
  TORCH_CHECK(!g.captured && !g.capturing, "fairl-native: this CUDA graph was already captured");
  c10::cuda::device_synchronize();  // as torch.cuda.graph: no pending work crosses into capture
  g.graph.capture_begin();
  g.capturing = true;
#else
  TORCH_CHECK(false, "fairl-native was built without CUDA: no CUDA graphs");
#endif
  FAIRL_CATCH_VOID
}

GRAPH_FN(void, captureEnd)(JNIEnv* env, jclass, jlong h) {
  FAIRL_TRY(fairl_graphCaptureEnd)
#ifdef FAIRL_GRAPHS_CUDA
  Graph& g = G(h);
  TORCH_CHECK(g.capturing, "fairl-native: captureEnd without captureBegin");
  g.capturing = false;
  g.graph.capture_end();
  g.captured = true;
#else
  TORCH_CHECK(false, "fairl-native was built without CUDA: no CUDA graphs");
#endif
  FAIRL_CATCH_VOID
}

GRAPH_FN(void, replay)(JNIEnv* env, jclass, jlong h) {
  FAIRL_TRY(fairl_graphReplay)
#ifdef FAIRL_GRAPHS_CUDA
  Graph& g = G(h);
  TORCH_CHECK(g.captured, "fairl-native: replay of a CUDA graph that was not captured");
  c10::cuda::CUDAGuard guard(static_cast<c10::DeviceIndex>(g.device));
  g.graph.replay();
#else
  TORCH_CHECK(false, "fairl-native was built without CUDA: no CUDA graphs");
#endif
  FAIRL_CATCH_VOID
}

GRAPH_FN(void, destroy)(JNIEnv* env, jclass, jlong h) {
  FAIRL_TRY(fairl_graphDestroy)
#ifdef FAIRL_GRAPHS_CUDA
  if (h != 0) {
    Graph* g = reinterpret_cast<Graph*>(h);
    if (g->saved.has_value()) c10::cuda::setCurrentCUDAStream(*g->saved);
    delete g;
  }
#endif
  FAIRL_CATCH_VOID
}
