#!/usr/bin/env bash
# GPU run of the training rows (helper "train"): build fairl-native, the PyTorch baseline's training
# rows, then ours, in one device call on one warm GPU. Staged layout next to this script (copied as
# run.sh): jre.tar.xz (a jlink'd runtime, unpacks to jre-dp0/), jars/ (runtime jars), classes/
# (fairl-core's compiled classes), jni/ (jni.h), fairl-native/, tools/baseline.py.
# Usage: run.sh [ROWS (default sft,lora,dpo,qlora)] [extra fairl bench args...]; results in $OUT.
set -uo pipefail
cd "$(dirname "$0")"
ROWS=${1:-sft,lora,dpo,qlora}; shift || true
R=$OUT/train; mkdir -p "$R"
exec > >(tee "$R/run.log") 2>&1
t0=$SECONDS
pack() { tar czf "$OUT/train-results.tgz" -C "$OUT" train; }
trap pack EXIT
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv | tee "$R/nvidia-smi.csv"
export FAIRL_CARD="$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)"
python3 -c 'import torch,transformers,peft;print("torch",torch.__version__,"cuda",torch.version.cuda,"transformers",transformers.__version__,"peft",peft.__version__)' | tee "$R/versions.txt"
python3 -c 'import bitsandbytes' 2>&1 | tail -1 | tee -a "$R/versions.txt"
tar xJf jre.tar.xz || exit 1
export FAIRL_JNI_INCLUDE=$PWD/jni FAIRL_NATIVE_BUILD_DIR=$PWD/buildn ENGINE_CACHE_DIR=$PWD/cache FAIRL_JOBS=16
timeout 300 bash fairl-native/build.sh > "$R/build.log" 2>&1; echo "BUILD rc=$? at $((SECONDS-t0)) s"
grep "fairl native build\|rror" "$R/build.log" | head -5
source buildn/fairl-native.env || exit 1
export OMP_NUM_THREADS=8
if [[ ${SKIP_BASELINE:-0} != 1 ]]; then
  PYTHONUNBUFFERED=1 timeout ${BASE_T:-300} python3 tools/baseline.py --rows "$ROWS" --out "$R/baseline.json" \
    > "$R/baseline.log" 2>&1
  echo "BASELINE rc=$? at $((SECONDS-t0)) s"; grep -E "^ROW|Error" "$R/baseline.log" | cut -c1-900
fi
J=(./jre-dp0/bin/java -Xmx24g -cp 'jars/*:classes' -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dfairl.bench.trace=true)
timeout ${OURS_T:-300} "${J[@]}" ai.fairl.cli.Main fairl bench --rows "$ROWS" --baseline "$R/baseline.json" \
  --out "$R/fairl-bench.json" "$@" > "$R/ours.log" 2>&1
echo "OURS rc=$? at $((SECONDS-t0)) s"; grep -vE "^\s+at " "$R/ours.log" | cut -c1-900 | tail -40
if [[ ${NORM_AB:-1} == 1 ]]; then # the fused layer with the composite RMSNorm instead of at::rms_norm
  timeout 120 "${J[@]}" -Dfairl.bench.compositeNorm=true ai.fairl.cli.Main fairl bench --rows sft \
    --shapes Llama-3.2-1B --out "$R/fairl-composite-norm.json" > "$R/composite-norm.log" 2>&1
  echo "COMPOSITE-NORM rc=$? at $((SECONDS-t0)) s"; grep -E "^ROW" "$R/composite-norm.log" | cut -c1-700
fi
echo "DONE at $((SECONDS-t0)) s"
