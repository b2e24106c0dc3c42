#!/usr/bin/env bash
# Coverage report: DJL 0.36's PyTorchLibrary natives (read from the pytorch-engine jar with javap)
# against the symbols fairl-native exports (nm), and, given the op suite's
# fairl-core/target/fairl-native-exercised.txt, which of them the op suite actually ran.
# Usage: fairl-native/coverage.sh [exercised.txt] [libdjl_torch.so]
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
exercised="${1:-$root/fairl-core/target/fairl-native-exercised.txt}"
lib="${2:-}"
if [[ -z "$lib" ]]; then
  lib=$(ls -t "${FAIRL_NATIVE_BUILD_DIR:-$root/build/native}"/*/libdjl_torch.so 2>/dev/null | head -1 || true)
fi
[[ -f "$lib" ]] || { echo "coverage: no libdjl_torch.so (run fairl-native/build.sh first)" >&2; exit 1; }
jar="${DJL_ENGINE_JAR:-$HOME/.m2/repository/ai/djl/pytorch/pytorch-engine/0.36.0/pytorch-engine-0.36.0.jar}"
[[ -f "$jar" ]] || { echo "coverage: no $jar (set DJL_ENGINE_JAR)" >&2; exit 1; }
javap -p -cp "$jar" ai.djl.pytorch.jni.PyTorchLibrary >"${TMPDIR:-/tmp}/fairl-pytorchlibrary.javap"
nm -D --defined-only "$lib" | awk '{print $3}' | grep '^Java_' >"${TMPDIR:-/tmp}/fairl-native.symbols"
python3 "$here/tools/coverage.py" "${TMPDIR:-/tmp}/fairl-pytorchlibrary.javap" \
  "${TMPDIR:-/tmp}/fairl-native.symbols" "$exercised"
