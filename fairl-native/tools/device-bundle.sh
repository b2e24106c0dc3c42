#!/usr/bin/env bash
# Packs what the GPU validation needs into one folder (at most ~50 MB, under the device tool's
# 64 MiB): fairl-native's sources, a jlink'd Java runtime (no JDK on the GPU host), the jars DJL
# needs without its 112 MB CPU natives, fairl-core's main and test classes, jni.h, the PyTorch
# bench scripts and gpu-validate.sh. Then, on the GPU host: bash <folder>/run.sh (writes $OUT).
# Usage: fairl-native/tools/device-bundle.sh <folder, e.g. /work/main/.device/native>
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
out="${1:?usage: device-bundle.sh <folder>}"
jdk="${FAIRL_BUNDLE_JDK:-/usr/lib/jvm/temurin-25-jdk-amd64}"
rm -rf "$out"
mkdir -p "$out/jars" "$out/jni" "$out/classes" "$out/tools/bench"
"$jdk/bin/jlink" --add-modules java.base,java.logging,java.management,java.naming,java.sql,java.xml,jdk.unsupported,jdk.zipfs \
  --strip-debug --no-man-pages --no-header-files --compress=zip-9 --output "$out/jre"
strip --strip-unneeded "$out/jre/lib/server/libjvm.so"
cp "$jdk/include/jni.h" "$jdk/include/linux/jni_md.h" "$out/jni/"
(cd "$root" && mvn -B -q -o -pl fairl-core test-compile dependency:build-classpath \
  -Dmdep.outputFile="$out/cp.txt" -Dmdep.includeScope=test)
tr ':' '\n' <"$out/cp.txt" | grep -E "djl/api|pytorch-engine|gson|jna|slf4j|junit-jupiter-api|opentest4j|apiguardian|junit-platform-commons" \
  | xargs -I{} cp {} "$out/jars/"
rm "$out/cp.txt"
cp -r "$root/fairl-core/target/classes/." "$root/fairl-core/target/test-classes/." "$out/classes/"
cp -r "$root/fairl-native" "$out/"
cp "$root"/tools/bench/*.py "$out/tools/bench/"
cp "$here/gpu-validate.sh" "$out/run.sh"
du -sh "$out"
