#!/usr/bin/env bash
# CI step: builds fairl-native against Debian's libtorch-dev (CPU) and runs the NDArray op suite,
# the fused-kernel tests and the bf16 tests on it (FAIRL_ENGINE_EXPECT=fairl-native makes the
# suite fail if DJL did not actually load fairl-native). Then prints the coverage report.
# Usage: fairl-native/test-cpu.sh [extra maven args]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

# Debian's libtorch only (the CPU build CI needs), whatever else this machine has.
export ENGINE_CACHE_DIR="${ENGINE_CACHE_DIR:-$root/build/native/cache}"
FAIRL_TORCH_SOURCE=debian "$here/build.sh"
# shellcheck disable=SC1091
source "$root/build/native/fairl-native.env"

export FAIRL_ENGINE_EXPECT=fairl-native
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
mvn -B -q -o -pl fairl-core test \
  -Dtest='ai.fairl.engine.*Test' -Dsurefire.failIfNoSpecifiedTests=false \
  -Dsurefire.excludedGroups=gpu,bench "$@"
echo "fairl-native op suite: passed on PyTorch $PYTORCH_VERSION ($PYTORCH_FLAVOR)"
"$here/coverage.sh" "$root/fairl-core/target/fairl-native-exercised.txt"
