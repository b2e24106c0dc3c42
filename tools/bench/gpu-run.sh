#!/usr/bin/env bash
# Staged layout (see docs/bench/README.md): jre/, jars/ (fairl-core jar + its runtime jars), jni/,
# fairl-native/ and tools/baseline.py copied next to this script under .device/bench/.
# GPU benchmarks (helper "bench"): build fairl-native, smoke row, PyTorch baseline, `fairl bench`.
# Usage: run.sh PHASES (any of smoke,baseline,ours) [extra fairl bench args...]
set -uo pipefail
cd "$(dirname "$0")"
PHASES=${1:-smoke,baseline,ours}; shift || true
R=$OUT/bench; mkdir -p "$R"
exec > >(tee "$R/run.log") 2>&1
t0=$SECONDS
pack() { tar czf "$OUT/bench-results.tgz" -C "$OUT" bench; }
trap pack EXIT
nvidia-smi --query-gpu=name,memory.total,driver_version,clocks.sm,clocks.max.sm --format=csv | tee "$R/nvidia-smi.csv"
export FAIRL_CARD="$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)"
python3 -c 'import torch,transformers,peft;print("torch",torch.__version__,"cuda",torch.version.cuda,"transformers",transformers.__version__,"peft",peft.__version__)' | tee "$R/versions.txt"
python3 -c 'import bitsandbytes' 2>&1 | tail -1 | tee -a "$R/versions.txt"
# NB (build folder) outside the carried tree survives between calls on a warm machine; REUSE_BUILD=1 skips
NB=${NB:-$PWD/buildn}
export FAIRL_JNI_INCLUDE=$PWD/jni FAIRL_NATIVE_BUILD_DIR=$NB ENGINE_CACHE_DIR=${ENGINE_CACHE_DIR:-$PWD/cache} FAIRL_JOBS=16
if [[ ${REUSE_BUILD:-0} == 1 && -f $NB/fairl-native.env ]]; then echo "BUILD reused from $NB"; else
timeout 300 bash fairl-native/build.sh > "$R/build.log" 2>&1; rc=$?; echo "BUILD rc=$rc at $((SECONDS-t0)) s"; grep "fairl native build" "$R/build.log"
if [[ $rc != 0 ]]; then  # keep the run alive: rebuild without the CUDA branch of graphs.cc (no CUDA graphs)
  grep -E "error|Error" "$R/build.log" | head -20
  sed -i 's/COMPILE_DEFINITIONS FAIRL_GRAPHS_CUDA=1/COMPILE_DEFINITIONS FAIRL_GRAPHS_OFF=1/' fairl-native/CMakeLists.txt
  timeout 300 bash fairl-native/build.sh > "$R/build2.log" 2>&1; echo "BUILD (no graphs) rc=$? at $((SECONDS-t0)) s"
fi
fi
source $NB/fairl-native.env || exit 1
export OMP_NUM_THREADS=8
J=(./jre/bin/java -Xmx16g -cp 'jars/*' -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -Dfairl.bench.trace=true ai.fairl.cli.Main fairl bench)
if [[ $PHASES == *smoke* ]]; then
  timeout ${SMOKE_T:-150} "${J[@]}" ${SMOKE_ARGS:---shapes Qwen2.5-0.5B --rows sft,lora,decode --warmup 1 --steps 2} --out "$R/smoke.json" > "$R/smoke.log" 2>&1
  echo "SMOKE rc=$? at $((SECONDS-t0)) s"; grep -E "^ROW|rror" "$R/smoke.log" | cut -c1-400 | head -20
fi
if [[ $PHASES == *baseline* ]]; then
  PYTHONUNBUFFERED=1 timeout ${BASE_T:-240} python3 tools/baseline.py --out "$R/baseline.json" ${BASE_ARGS:-} > "$R/baseline.log" 2>&1
  echo "BASELINE rc=$? at $((SECONDS-t0)) s"; grep -E "^ROW|Error" "$R/baseline.log" | cut -c1-600
fi
if [[ $PHASES == *ours* ]]; then
  timeout ${OURS_T:-300} "${J[@]}" --baseline "$R/baseline.json" --out "$R/fairl-bench.json" "$@" > "$R/ours.log" 2>&1
  echo "OURS rc=$? at $((SECONDS-t0)) s"; grep -vE "^\s+at |^ROW" "$R/ours.log" | tail -30
fi
echo "DONE at $((SECONDS-t0)) s"
