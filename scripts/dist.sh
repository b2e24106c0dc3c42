#!/usr/bin/env bash
# Builds the self-contained distribution for Linux x86-64 hosts without Java:
#   target/fairl-<version>-linux-x86_64.tar.gz
# holding a jlink'd Java runtime (runtime/), the jars (lib/), the launchers (bin/), the native
# sources (fairl-native/), recipes, configs, notebooks and docs. DJL's 112 MB CPU libtorch jar is
# left out: on the target host `fairl native build` compiles the JNI against the PyTorch already
# installed there. fastutil and icu4j are shrunk to the classes reachable from the other jars, and
# jars that bundle JNI libraries (tokenizers, zstd-jni, snappy-java, JNA) keep only Linux x86-64's. Fails if the archive exceeds 60 MiB.
#
# Needs: a built tree (mvn -B package -DskipTests) and a JDK >= 17 with jlink (JLINK_JDK, default the
# Temurin 25 JDK under /usr/lib/jvm, else JAVA_HOME).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
LIMIT_MB="${FAIRL_DIST_LIMIT_MB:-60}"
VERSION="$(mvn -B -q -o help:evaluate -Dexpression=project.version -DforceStdout 2>/dev/null || true)"
[[ "$VERSION" =~ ^[0-9] ]] || VERSION="$(grep -m1 -A0 "<version>" fairl-core/pom.xml | sed "s:.*<version>\(.*\)</version>.*:\1:")"
LIB_SRC=fairl-notebook/target/lib
[[ -d "$LIB_SRC" && -n "$(ls fairl-notebook/target/fairl-notebook-*.jar 2>/dev/null)" ]] || {
  echo "dist: the jars are not built. Run: mvn -B -q package -DskipTests" >&2; exit 2; }

JDK="${JLINK_JDK:-}"
if [[ -z "$JDK" ]]; then
  for c in /usr/lib/jvm/temurin-25-jdk-amd64 "${JAVA_HOME:-}"; do
    [[ -n "$c" && -x "$c/bin/jlink" ]] && { JDK="$c"; break; }
  done
fi
[[ -n "$JDK" && -x "$JDK/bin/jlink" ]] || { echo "dist: no JDK with jlink found; set JLINK_JDK" >&2; exit 2; }

NAME="fairl-$VERSION-linux-x86_64"
STAGE="target/dist/$NAME"
rm -rf target/dist && mkdir -p "$STAGE/lib"

echo "dist: jlink runtime from $JDK"
"$JDK/bin/jlink" --output "$STAGE/runtime" \
  --add-modules java.base,java.compiler,java.desktop,java.logging,java.management,java.naming,java.net.http,java.prefs,java.scripting,java.sql,java.xml,jdk.compiler,jdk.jshell,jdk.jdi,jdk.management,jdk.unsupported,jdk.zipfs \
  --strip-debug --no-man-pages --no-header-files --compress=zip-0 \
  --exclude-files='**/libawt_xawt.so,**/libsplashscreen.so,**/libjsound.so'
# (headless only: no X11 toolkit, splash screen or sound)
# zip-0 here and gzip over the whole archive is smaller than zip-9 inside the image.
# ct.sym only serves javac --release; JShell compiles against the runtime itself.
rm -f "$STAGE/runtime/lib/ct.sym"
# jni.h for `fairl native build` on a host without a JDK (jlink's --no-header-files drops them all)
mkdir -p "$STAGE/runtime/include/linux"
cp "$JDK/include/jni.h" "$STAGE/runtime/include/"
cp "$JDK/include/linux/jni_md.h" "$STAGE/runtime/include/linux/"
if command -v strip >/dev/null; then find "$STAGE/runtime" -name "*.so" -exec strip --strip-unneeded {} \; ; fi
# A font for hosts without fontconfig fonts (GPU containers): charts fail there with "Fontconfig head
# is null" otherwise. Java reads lib/fontconfig.properties only when fontconfig finds no fonts.
FONT="${FAIRL_DIST_FONT:-/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf}"
[[ -f "$FONT" ]] || { echo "dist: no $FONT (apt-get install fonts-dejavu-core, or set FAIRL_DIST_FONT)" >&2; exit 2; }
mkdir -p "$STAGE/runtime/lib/fonts"
cp "$FONT" "$STAGE/runtime/lib/fonts/DejaVuSans.ttf"
[[ -f /usr/share/doc/fonts-dejavu-core/copyright ]] && cp /usr/share/doc/fonts-dejavu-core/copyright "$STAGE/runtime/lib/fonts/LICENSE-DejaVu"
cp scripts/dist-fontconfig.properties "$STAGE/runtime/lib/fontconfig.properties"

echo "dist: jars"
others=()
for j in "$LIB_SRC"/*.jar fairl-notebook/target/fairl-notebook-"$VERSION".jar; do
  case "$(basename "$j")" in
    # DJL's CPU libtorch and its prebuilt JNI: the host's PyTorch and fairl-native replace them.
    pytorch-native-cpu-*|pytorch-jni-*) ;;
    # XChart's PDF export only.
    pdfbox-*|fontbox-*|graphics2d-*) ;;
    fastutil-*|icu4j-*|guava-*|commons-math3-*|jts-core-*|parquet-jackson-*) ;;
    commons-compress-*|commons-io-*|commons-codec-*|parquet-format-structures-*) ;;
    tokenizers-*|zstd-jni-*|snappy-java-*|jna-*) ;;
    *) cp "$j" "$STAGE/lib/"; others+=("$j") ;;
  esac
done
JDEPS="$JDK/bin/jdeps"
# One class-graph pass over every jar; each shrunk jar keeps what the others (in full) reach.
all=()
for j in "$LIB_SRC"/*.jar fairl-notebook/target/fairl-notebook-"$VERSION".jar; do
  case "$(basename "$j")" in pytorch-native-cpu-*|pytorch-jni-*|pdfbox-*|fontbox-*|graphics2d-*) ;; *) all+=("$j") ;; esac
done
shrink=()
# Not parquet-column/-encoding: they load their bit packers by class name.
for pat in fastutil guava commons-math3 jts-core parquet-jackson commons-compress \
  commons-io commons-codec parquet-format-structures; do
  shrink+=("$(ls "$LIB_SRC"/$pat-[0-9]*.jar)")
done
shrink+=("$(ls "$LIB_SRC"/icu4j-*.jar)=com/ibm/icu/impl/data/")
python3 scripts/minimize-jars.py "$JDEPS" "$STAGE/lib" "${all[@]}" -- "${shrink[@]}"

for j in "$LIB_SRC"/tokenizers-*.jar "$LIB_SRC"/zstd-jni-*.jar "$LIB_SRC"/snappy-java-*.jar \
  "$LIB_SRC"/jna-*.jar; do
  [[ -f "$j" ]] && python3 scripts/strip-natives.py "$j" "$STAGE/lib/$(basename "$j")"
done

echo "dist: launchers, native sources, recipes, docs"
[[ -d bin ]] || { echo "dist: bin/ launchers missing" >&2; exit 2; }
cp -r bin "$STAGE/"
# Only what the project ships: in a git checkout the tracked files (not the run outputs that tests
# and notebooks leave there, e.g. notebooks/outputs/), else the folders as they are.
for d in fairl-native recipes configs notebooks docs; do
  [[ -d "$d" ]] || continue
  if git ls-files --error-unmatch "$d" >/dev/null 2>&1; then
    git ls-files -z "$d" | while IFS= read -r -d '' f; do
      mkdir -p "$STAGE/$(dirname "$f")" && cp -p "$f" "$STAGE/$f"
    done
  else
    cp -r "$d" "$STAGE/"
  fi
done
cp README.md LICENSE NOTICE "$STAGE/"
rm -rf "$STAGE/fairl-native/build"
echo "$VERSION $(git rev-parse --short HEAD 2>/dev/null || echo unknown)" > "$STAGE/VERSION"

tar -C target/dist -cf - "$NAME" | gzip -9 >"target/$NAME.tar.gz"
bytes=$(stat -c %s "target/$NAME.tar.gz")
mib=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1048576 }')
echo "dist: target/$NAME.tar.gz $bytes bytes = $mib MiB (limit $LIMIT_MB MiB)"
if (( bytes > LIMIT_MB * 1048576 )); then
  echo "dist: archive is over the ${LIMIT_MB} MiB limit" >&2
  du -sh "$STAGE"/* "$STAGE/lib"/* | sort -h | tail -12 >&2
  exit 1
fi

# Smoke test: the unpacked dist, with its own runtime and no JDK on the PATH, resolves a recipe.
check="$(mktemp -d)"
tar -C "$check" -xzf "target/$NAME.tar.gz"
env -i PATH=/usr/bin:/bin HOME="$check" "$check/$NAME/bin/fai-rl-train" \
  --recipe "$check/$NAME/recipes/training/grpo/tiny_arithmetic.yaml" --dry-run >"$check/dry-run.txt" 2>&1 || {
  echo "dist: the unpacked dist failed its smoke test:" >&2; cat "$check/dry-run.txt" >&2; exit 1; }
grep -q "algorithm: \"grpo\"" "$check/dry-run.txt" || {
  echo "dist: smoke test output lacks the resolved recipe" >&2; cat "$check/dry-run.txt" >&2; exit 1; }
env -i PATH=/usr/bin:/bin HOME="$check" "$check/$NAME/bin/fairl" --version
# fairl-native from the unpacked dist (its jni.h; no JDK needed) against Debian's libtorch where
# installed (CI installs it), then the launcher picks it up by itself: `fairl doctor` names it.
if [[ -e /usr/include/torch/csrc/api/include/torch/torch.h || -e /usr/lib/x86_64-linux-gnu/libtorch.so ]] \
   && [[ "${FAIRL_DIST_NATIVE_CHECK:-on}" != off ]]; then
  env -i PATH=/usr/bin:/bin HOME="$check" FAIRL_TORCH_SOURCE=debian JAVA_HOME=/nonexistent \
    "$check/$NAME/bin/fairl" native build >"$check/native.txt" 2>&1 || {
    echo "dist: fairl native build failed in the unpacked dist:" >&2; tail -30 "$check/native.txt" >&2; exit 1; }
  grep -qs "JNI_INCLUDE.*runtime/include" "$check/$NAME"/build/native/*/CMakeCache.txt || {
    echo "dist: fairl native build did not use the dist's jni.h" >&2; exit 1; }
  env -i PATH=/usr/bin:/bin HOME="$check" "$check/$NAME/bin/fairl" doctor >"$check/doctor.txt" 2>&1 || true
  grep -q "engine.*fairl-native" "$check/doctor.txt" || {
    echo "dist: after fairl native build the launcher does not run on fairl-native:" >&2; cat "$check/doctor.txt" >&2; exit 1; }
  echo "dist: fairl native build in the unpacked dist (no JDK) and the launcher uses it: ok"
fi
rm -rf "$check"
echo "dist: smoke test passed (fai-rl-train --dry-run with the bundled runtime)"
