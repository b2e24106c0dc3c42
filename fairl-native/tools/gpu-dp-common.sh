#!/usr/bin/env bash
# Shared start of the multi-GPU runs (gpu-dp-validate.sh on 2 GPUs, gpu-dp-scale.sh on 4), sourced
# from the bundle folder that fairl-native/tools/dp-bundle.sh packs: unpacks the Java runtime,
# builds fairl-native against the host's PyTorch with NCCL, defines J (the java command), B (the
# benchmark class), pack (results to $OUT/dp-results.tgz) and ranks (torchrun-style workers).
set -uo pipefail
R=$PWD/res; mkdir -p "$R"
pack() { tar czf "$OUT/dp-results.tgz" -C "$PWD" res; }
trap pack EXIT
exec > >(tee "$OUT/run.log") 2>&1
t0=$SECONDS
# NVLink multicast stays off (the host's rule; every worker inherits these)
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$R/nvidia-smi.csv"
python3 -c 'import torch,os;print("torch",torch.__version__,"cuda",torch.version.cuda,"nccl",torch.cuda.nccl.version())' | tee "$R/versions.txt"
date -u +%FT%TZ | tee -a "$R/versions.txt"
tar xJf jre.tar.xz || python3 -c 'import tarfile;tarfile.open("jre.tar.xz").extractall()'
./jre-dp0/bin/java -version 2>&1 | head -1 | tee -a "$R/versions.txt"
export FAIRL_JNI_INCLUDE=$PWD/jni FAIRL_NATIVE_BUILD_DIR=$PWD/buildn ENGINE_CACHE_DIR=$PWD/cache FAIRL_JOBS=16
timeout 200 bash fairl-native/build.sh > "$R/build.log" 2>&1; echo "BUILD rc=$? at $((SECONDS-t0)) s"
grep -E "fairl-native:" buildn/*.cmake.log | head -4
source buildn/fairl-native.env || exit 1
export OMP_NUM_THREADS=4
J=(./jre-dp0/bin/java -Xmx24g -cp "jars/*:classes" -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
B=(ai.fairl.train.DataParallelBenchmark)
# ranks NAME N TIMEOUT ARGS...: N torchrun-style workers of the benchmark, logs res/NAME-rankR.log
ranks() {
  local name=$1 n=$2 to=$3; shift 3
  local pids=() r port=$((29600 + RANDOM % 300))
  for ((r = 0; r < n; r++)); do
    RANK=$r LOCAL_RANK=$r WORLD_SIZE=$n LOCAL_WORLD_SIZE=$n MASTER_ADDR=127.0.0.1 MASTER_PORT=$port \
      timeout "$to" "${J[@]}" "${B[@]}" "$@" > "$R/$name-rank$r.log" 2>&1 &
    pids+=($!)
    [[ $r == 0 ]] && sleep 0.5
  done
  local rc=0
  for p in "${pids[@]}"; do wait "$p" || rc=$?; done
  echo "$name rc=$rc at $((SECONDS-t0)) s"
  grep -hE "^RESULT|^MEMORY|rror|xception" "$R/$name"-rank*.log | grep -v "^\s*at " | head -8
  pack
}
# one NAME TIMEOUT ARGS...: one process on GPU 0
one() {
  local name=$1 to=$2; shift 2
  CUDA_VISIBLE_DEVICES=0 timeout "$to" "${J[@]}" "${B[@]}" "$@" > "$R/$name.log" 2>&1
  echo "$name rc=$? at $((SECONDS-t0)) s"
  grep -hE "^RESULT|^MEMORY|rror|xception" "$R/$name.log" | grep -v "^\s*at " | head -6
  pack
}
