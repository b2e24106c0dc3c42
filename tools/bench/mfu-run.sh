#!/usr/bin/env bash
# MFU of Llama-3.2-1B full fine-tuning at larger batches (PyTorch baseline first, then ours, per batch) in
# one device call. Staged like tools/bench/train-run.sh (jre.tar.xz, jars/, classes/, jni/, fairl-native/,
# tools/baseline.py next to this script). Usage: [BATCHES="16 32"] bash mfu-run.sh; results in $OUT/mfu.tgz.
set -uo pipefail
cd "$(dirname "$0")"
R=$OUT/mfu; mkdir -p "$R"
exec > >(tee "$R/run.log") 2>&1
t0=$SECONDS
pack() { tar czf "$OUT/mfu.tgz" -C "$OUT" mfu; }
trap pack EXIT
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$R/nvidia-smi.csv"
export FAIRL_CARD="$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)"
tar xJf jre.tar.xz || exit 1
export FAIRL_JNI_INCLUDE=$PWD/jni FAIRL_NATIVE_BUILD_DIR=$PWD/buildn ENGINE_CACHE_DIR=$PWD/cache FAIRL_JOBS=16
timeout 200 bash fairl-native/build.sh > "$R/build.log" 2>&1; echo "BUILD rc=$? at $((SECONDS-t0)) s"
source buildn/fairl-native.env || exit 1
export OMP_NUM_THREADS=8
J=(./jre-dp0/bin/java -Xmx24g -cp 'jars/*:classes' -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
for B in ${BATCHES:-16 32}; do
  PYTHONUNBUFFERED=1 timeout 120 python3 tools/baseline.py --shapes llama-3.2-1b --rows sft --batch $B --out "$R/baseline-b$B.json" > "$R/baseline-b$B.log" 2>&1
  echo "BASELINE b$B rc=$? at $((SECONDS-t0)) s"; grep -E "^ROW|Error" "$R/baseline-b$B.log" | cut -c1-600
  timeout 120 "${J[@]}" ai.fairl.cli.Main fairl bench --shapes Llama-3.2-1B --rows sft --batch $B --baseline "$R/baseline-b$B.json" --out "$R/fairl-b$B.json" > "$R/ours-b$B.log" 2>&1
  echo "OURS b$B rc=$? at $((SECONDS-t0)) s"; grep -vE "^\s+at " "$R/ours-b$B.log" | cut -c1-600 | tail -12
done
echo "DONE at $((SECONDS-t0)) s"
