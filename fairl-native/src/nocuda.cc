// Built when c10_cuda is absent (CPU builds): the CUDA natives say so instead of doing nothing.
#include "common.h"

namespace fairl {
static void noCuda(const char* what) {
  throw std::runtime_error(std::string("fairl-native was built without CUDA: ") + what +
                           " needs a build against a CUDA PyTorch (fairl native build on a GPU host)");
}
void cudaEmptyCache() {}  // nothing cached without CUDA; DJL calls this unconditionally
bool cudaStatsAvailable() { return false; }
std::vector<int64_t> cudaMemoryStats(int) {
  noCuda("cudaMemory");
  return {};
}
void cudaResetPeak(int) { noCuda("cudaResetPeak"); }
void cudaSync() { noCuda("cudaSynchronize"); }
}  // namespace fairl
