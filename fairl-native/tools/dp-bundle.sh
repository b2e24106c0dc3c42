#!/usr/bin/env bash
# Packs the data-parallel GPU validation (fairl-native/tools/gpu-dp-validate.sh) into one folder
# under the device tool's 64 MiB: a jlink'd Java runtime with java.desktop (the loss chart needs
# it) as an uncompressed image in tar.xz (~21 MB), the runtime jars the CLI needs (DJL's CPU
# natives left out, the tokenizers jar cut to its linux-x86_64 library), fairl-core's classes,
# fairl-native's sources, jni.h, the tiny SFT and GRPO recipes and their data, FAI-RL's DeepSpeed
# configs; run.sh (gpu-dp-validate.sh, 2 GPUs) and scale.sh (gpu-dp-scale.sh, 4 GPUs).
# Usage: fairl-native/tools/dp-bundle.sh <folder, e.g. /work/main/.device/native-dp>
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:?usage: dp-bundle.sh <folder>}"
jdk="${FAIRL_BUNDLE_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}"
rm -rf "$out"
mkdir -p "$out/jars" "$out/jni" "$out/classes" "$out/recipes/training/sft" "$out/recipes/data"
if [[ -n "${FAIRL_BUNDLE_JRE_TXZ:-}" ]]; then
  cp "$FAIRL_BUNDLE_JRE_TXZ" "$out/jre.tar.xz"
else
  tmp=$(mktemp -d)
  "$jdk/bin/jlink" --add-modules java.base,java.desktop,java.logging,java.management,java.naming,java.sql,java.xml,jdk.unsupported,jdk.zipfs \
    --strip-debug --no-man-pages --no-header-files --compress=zip-0 --output "$tmp/jre-dp0"
  strip --strip-unneeded "$tmp/jre-dp0/lib/server/libjvm.so"
  tar cJf "$out/jre.tar.xz" -C "$tmp" jre-dp0
  rm -rf "$tmp"
fi
cp "$jdk/include/jni.h" "$jdk/include/linux/jni_md.h" "$out/jni/"
(cd "$root" && mvn -B -q -o -pl fairl-core compile dependency:build-classpath \
  -Dmdep.outputFile="$out/cp.txt" -Dmdep.includeScope=runtime)
tr ':' '\n' <"$out/cp.txt" \
  | grep -E "djl/api/|pytorch-engine|gson|/jna/|slf4j|picocli|snakeyaml-engine|xchart|huggingface/tokenizers|parquet-floor" \
  | xargs -I{} cp {} "$out/jars/"
rm "$out/cp.txt"
tok=$(ls "$out"/jars/tokenizers-*.jar)
zip -q -d "$tok" 'native/lib/win-*' 'native/lib/osx-*' 'native/lib/linux-aarch64/*' >/dev/null
cp -r "$root/fairl-core/target/classes/." "$out/classes/"
mkdir -p "$out/fairl-native"
cp -r "$root/fairl-native/src" "$root/fairl-native/CMakeLists.txt" "$root/fairl-native/build.sh" "$out/fairl-native/"
cp "$root/recipes/training/sft/tiny_sft.yaml" "$out/recipes/training/sft/"
mkdir -p "$out/recipes/training/grpo" "$out/configs/deepspeed"
cp "$root/recipes/training/grpo/tiny_arithmetic.yaml" "$out/recipes/training/grpo/"
cp "$root/recipes/data/sft_arithmetic.jsonl" "$root/recipes/data/arithmetic_train.jsonl" "$out/recipes/data/"
cp "$root"/configs/deepspeed/*.json "$out/configs/deepspeed/"
cp "$here/gpu-dp-common.sh" "$out/"
cp "$here/gpu-dp-validate.sh" "$out/run.sh"
cp "$here/gpu-dp-scale.sh" "$out/scale.sh"
du -sh "$out"
