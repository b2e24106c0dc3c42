#!/usr/bin/env bash
# CI step: builds fairl-native against Debian's libtorch-dev (CPU) and runs the NDArray op suite,
# the fused-kernel tests, the bf16 tests, bf16 training (ai.fairl.train.*NativeTest), the Gloo process-group tests and a two-process
# data-parallel SFT run (DataParallelNativeTest) on it (FAIRL_ENGINE_EXPECT=fairl-native makes the
# suite fail if DJL did not actually load fairl-native). Then prints the coverage report.
# Needs: apt packages libtorch-dev, libgloo-dev (Gloo's headers), cmake, g++ (ninja-build optional), a JDK, python3 (coverage).
# Usage: fairl-native/test-cpu.sh [extra maven args]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
cd "$root"

# Debian's libtorch only (the CPU build CI needs), whatever else this machine has. A folder of its
# own: build/native is what `fairl native build` makes and the launchers then use by default.
export FAIRL_NATIVE_BUILD_DIR="${FAIRL_NATIVE_BUILD_DIR:-$root/build/native-cpu-test}"
export ENGINE_CACHE_DIR="${ENGINE_CACHE_DIR:-$FAIRL_NATIVE_BUILD_DIR/cache}"
FAIRL_TORCH_SOURCE=debian "$here/build.sh"
# shellcheck disable=SC1091
source "$FAIRL_NATIVE_BUILD_DIR/fairl-native.env"

export FAIRL_ENGINE_EXPECT=fairl-native
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-2}"
# FAIRL_MVN_FLAGS: extra Maven flags (default -o, offline: run after the main Maven build)
# shellcheck disable=SC2086
mvn -B -q ${FAIRL_MVN_FLAGS--o} -pl fairl-core test \
  -Dtest='ai.fairl.engine.*Test,ai.fairl.train.*NativeTest,ai.fairl.model.*NativeTest,ai.fairl.cli.DataParallelNativeTest' \
  -Dsurefire.failIfNoSpecifiedTests=false \
  -Dsurefire.excludedGroups=gpu,bench "$@"
echo "fairl-native op suite: passed on PyTorch $PYTORCH_VERSION ($PYTORCH_FLAVOR)"
"$here/coverage.sh" "$root/fairl-core/target/fairl-native-exercised.txt"
