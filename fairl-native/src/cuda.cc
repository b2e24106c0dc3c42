// CUDA caching-allocator statistics and device synchronisation (builds against c10_cuda only).
#include <c10/cuda/CUDACachingAllocator.h>
#include <c10/cuda/CUDAFunctions.h>

#include "common.h"

namespace fairl {
void cudaEmptyCache() { c10::cuda::CUDACachingAllocator::emptyCache(); }
bool cudaStatsAvailable() { return true; }
std::vector<int64_t> cudaMemoryStats(int device) {
  auto s = c10::cuda::CUDACachingAllocator::getDeviceStats(static_cast<c10::DeviceIndex>(device));
  return {s.allocated_bytes[0].current, s.allocated_bytes[0].peak, s.reserved_bytes[0].current,
          s.reserved_bytes[0].peak};
}
void cudaResetPeak(int device) {
  c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(device));
}
void cudaSync() { c10::cuda::device_synchronize(); }
}  // namespace fairl
