#!/usr/bin/env bash
# Builds fairl-native (a DJL 0.36 PyTorch JNI) against the host's PyTorch and installs it where
# DJL's loader looks: $ENGINE_CACHE_DIR/pytorch/<version>-<flavor>-linux-x86_64/0.36.0-libdjl_torch.so
# (ENGINE_CACHE_DIR defaults to $DJL_CACHE_DIR, then ~/.djl.ai).
#
# PyTorch is found in this order:
#   1. LIBTORCH=<libtorch folder with include/ and lib/>
#   2. python3's torch package (torch/include, torch/lib, torch._C._GLIBCXX_USE_CXX11_ABI)
#   3. Debian's libtorch-dev (/usr/include, /usr/lib/x86_64-linux-gnu)
# Other inputs: JAVA_HOME or FAIRL_JNI_INCLUDE (folder with jni.h), FAIRL_JOBS (parallel jobs),
# FAIRL_NATIVE_BUILD_DIR (default <repo>/build/native), FAIRL_WITH_CUDA=ON|OFF.
# Writes <build dir>/fairl-native.env with the variables DJL needs to pick the library up.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/.." && pwd)"
djl_version="0.36.0"
fairl_version="0.1.0"
say() { echo "fairl native build: $*"; }
die() { echo "fairl native build: error: $*" >&2; exit 1; }

version_from_header() {
  local h="$1/torch/csrc/api/include/torch/version.h"
  [[ -f "$h" ]] || die "no $h: is this a PyTorch include folder?"
  local maj min pat
  maj=$(sed -n 's/^#define TORCH_VERSION_MAJOR \([0-9]*\)/\1/p' "$h")
  min=$(sed -n 's/^#define TORCH_VERSION_MINOR \([0-9]*\)/\1/p' "$h")
  pat=$(sed -n 's/^#define TORCH_VERSION_PATCH \([0-9]*\)/\1/p' "$h")
  echo "$maj.$min.$pat"
}
abi_from_lib() {  # 1 when libc10 exports std::__cxx11 symbols
  local n
  n=$(nm -D --defined-only "$1/libc10.so" 2>/dev/null | grep -c '__cxx11' || true)
  if [[ "${n:-0}" -gt 0 ]]; then echo 1; else echo 0; fi
}

cuda_version=""
# FAIRL_TORCH_SOURCE=debian skips LIBTORCH and python3 (CI's CPU build against libtorch-dev).
source_pref="${FAIRL_TORCH_SOURCE:-auto}"
if [[ "$source_pref" == auto && -n "${LIBTORCH:-}" ]]; then
  source_kind="LIBTORCH=$LIBTORCH"
  torch_include="$LIBTORCH/include"
  torch_lib="$LIBTORCH/lib"
  torch_version="$(version_from_header "$torch_include")"
  abi="${FAIRL_CXX11_ABI:-$(abi_from_lib "$torch_lib")}"
  [[ -f "$torch_lib/libc10_cuda.so" ]] && cuda_version="${FAIRL_CUDA_VERSION:-}"
elif [[ "$source_pref" == auto ]] && py_out=$(python3 -c 'import torch,os;d=os.path.dirname(torch.__file__);print(d);print(torch.__version__.split("+")[0]);print(int(torch._C._GLIBCXX_USE_CXX11_ABI));print(torch.version.cuda or "")' 2>/dev/null); then
  torch_dir=$(sed -n 1p <<<"$py_out")
  source_kind="python3 torch package at $torch_dir"
  torch_include="$torch_dir/include"
  torch_lib="$torch_dir/lib"
  torch_version=$(sed -n 2p <<<"$py_out")
  abi=$(sed -n 3p <<<"$py_out")
  cuda_version=$(sed -n 4p <<<"$py_out")
elif [[ -f /usr/include/torch/csrc/api/include/torch/version.h && -f /usr/lib/x86_64-linux-gnu/libtorch.so ]]; then
  source_kind="Debian libtorch-dev"
  torch_include=/usr/include
  torch_lib=/usr/lib/x86_64-linux-gnu
  torch_version="$(version_from_header "$torch_include")"
  abi="$(abi_from_lib "$torch_lib")"
else
  die "no PyTorch found: set LIBTORCH=<libtorch folder>, install the python3 torch package, or apt-get install libtorch-dev"
fi

if [[ -n "$cuda_version" ]]; then
  flavor="cu${cuda_version//./}"
else
  flavor="cpu"
fi
platform="${torch_version}-${flavor}-linux-x86_64"

jni_include="${FAIRL_JNI_INCLUDE:-}"
if [[ -z "$jni_include" && -f "$root/runtime/include/jni.h" ]]; then
  jni_include="$root/runtime/include" # the distribution ships jni.h with its Java runtime
fi
if [[ -z "$jni_include" ]]; then
  java_home="${JAVA_HOME:-}"
  if [[ -z "$java_home" ]] && command -v javac >/dev/null; then
    java_home="$(dirname "$(dirname "$(readlink -f "$(command -v javac)")")")"
  fi
  jni_include="$java_home/include"
fi
[[ -f "$jni_include/jni.h" ]] || die "no jni.h in '$jni_include': set JAVA_HOME to a JDK or FAIRL_JNI_INCLUDE to a folder with jni.h"

build_root="${FAIRL_NATIVE_BUILD_DIR:-$root/build/native}"
build_dir="$build_root/$platform"
jobs="${FAIRL_JOBS:-$(nproc)}"
generator=()
command -v ninja >/dev/null && generator=(-G Ninja)

say "PyTorch $torch_version ($flavor) from $source_kind"
say "headers $torch_include, libraries $torch_lib, _GLIBCXX_USE_CXX11_ABI=$abi"
say "building in $build_dir with $jobs jobs"

configure_and_build() {
  cmake -S "$here" -B "$build_dir" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release \
    -DTORCH_INCLUDE="$torch_include" -DTORCH_LIB="$torch_lib" -DCXX11_ABI="$abi" \
    -DJNI_INCLUDE="$jni_include" -DFAIRL_VERSION="$fairl_version" \
    -DFAIRL_CUDA_VERSION="$cuda_version" "$@" >"$build_dir.cmake.log" 2>&1 \
    || { cat "$build_dir.cmake.log" >&2; return 1; }
  cmake --build "$build_dir" --parallel "$jobs"
}
# A build folder configured with another generator (ninja installed or removed since) is rebuilt.
if [[ -f "$build_dir/CMakeCache.txt" ]]; then
  want="Unix Makefiles"; [[ ${#generator[@]} -gt 0 ]] && want="Ninja"
  have=$(sed -n 's/^CMAKE_GENERATOR:INTERNAL=//p' "$build_dir/CMakeCache.txt")
  [[ "$have" == "$want" ]] || { say "generator changed ($have -> $want): clean build"; rm -rf "$build_dir"; }
fi
mkdir -p "$build_dir"
start=$(date +%s)
cuda_args=()
[[ -n "${FAIRL_WITH_CUDA:-}" ]] && cuda_args=(-DFAIRL_WITH_CUDA="$FAIRL_WITH_CUDA")
# Optional parts that depend most on the compiler and PyTorch version: if the build fails, retry
# without them, cumulatively, and say so (their natives then throw UnsatisfiedLinkError naming
# themselves): the precompiled header, the CUDA allocator natives, the TorchScript natives.
if ! configure_and_build "${cuda_args[@]}"; then
  built=0
  for fallback in "-DFAIRL_PCH=OFF:the precompiled header" \
                  "-DFAIRL_WITH_CUDA=OFF:the CUDA allocator natives (src/cuda.cc)" \
                  "-DFAIRL_WITH_SCRIPT=OFF:the TorchScript and profiler natives (src/script.cc)"; do
    say "WARNING: the build failed; retrying without ${fallback#*:}"
    cuda_args+=("${fallback%%:*}")
    if configure_and_build "${cuda_args[@]}"; then built=1; break; fi
  done
  [[ $built == 1 ]] || die "build failed (see the compiler output above)"
fi
shared_libstdcxx() { [[ $(readelf -d "$build_dir/libdjl_torch.so" | grep -c 'NEEDED.*libstdc++' || true) -gt 0 ]]; }
if ! shared_libstdcxx; then
  say "WARNING: $(cmake -LA -N "$build_dir" 2>/dev/null | sed -n 's/^CMAKE_CXX_COMPILER:[A-Z]*=//p') linked libstdc++ statically; PyTorch needs the shared one: relinking with -l:libstdc++.so.6"
  configure_and_build "${cuda_args[@]}" -DFAIRL_FORCE_SHARED_LIBSTDCXX=ON || die "build with the shared libstdc++ failed"
  shared_libstdcxx || die "libdjl_torch.so still does not use the shared libstdc++.so.6; set CXX to the system g++"
fi
say "compiled in $(( $(date +%s) - start )) s"

# DJL loads every regular file in PYTORCH_LIBRARY_PATH: for Debian's system folder, point it at
# a folder holding links to the three libraries only.
if [[ "$torch_lib" == /usr/lib/* ]]; then
  lib_dir="$build_dir/libtorch"
  mkdir -p "$lib_dir"
  for l in libtorch.so libtorch_cpu.so libc10.so; do ln -sf "$torch_lib/$l" "$lib_dir/$l"; done
else
  lib_dir="$torch_lib"
fi

cache_root="${ENGINE_CACHE_DIR:-${DJL_CACHE_DIR:-$HOME/.djl.ai}}"
install_dir="$cache_root/pytorch/$platform"
mkdir -p "$install_dir"
cp "$build_dir/libdjl_torch.so" "$install_dir/$djl_version-libdjl_torch.so.tmp"
mv "$install_dir/$djl_version-libdjl_torch.so.tmp" "$install_dir/$djl_version-libdjl_torch.so"

env_file="$build_root/fairl-native.env"
cat >"$env_file" <<ENV
export PYTORCH_LIBRARY_PATH="$lib_dir"
export PYTORCH_VERSION="$torch_version"
export PYTORCH_FLAVOR="$flavor"
export ENGINE_CACHE_DIR="$cache_root"
ENV
n_natives=$(nm -D --defined-only "$build_dir/libdjl_torch.so" | grep -c ' T Java_ai_djl_pytorch_jni_PyTorchLibrary_' || true)
say "installed $install_dir/$djl_version-libdjl_torch.so ($n_natives DJL natives)"
say "to use it: source $env_file   (PYTORCH_LIBRARY_PATH=$lib_dir PYTORCH_VERSION=$torch_version PYTORCH_FLAVOR=$flavor)"
