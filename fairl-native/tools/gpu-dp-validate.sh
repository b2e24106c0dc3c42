#!/usr/bin/env bash
# Data-parallel validation on a 2-GPU host (packed by fairl-native/tools/dp-bundle.sh; runs as
# run.sh in the bundle, results under $OUT/dp):
#  1. builds fairl-native against the host's PyTorch with NCCL (USE_C10D_NCCL);
#  2. the tiny SFT recipe for 20 steps through the CLI: --num-gpus 1 with gradient accumulation 2
#     against --num-gpus 2 with accumulation 1 (the same global batch of 8), losses compared;
#  3. DataParallelBenchmark on a random-init Llama shape: 1 GPU (accum 2) against 2 ranks started
#     torchrun-style (RANK/LOCAL_RANK/WORLD_SIZE/MASTER_* set by this script, accum 1).
# Logs go to res/, packed into $OUT/dp-results.tgz after every phase; the console to $OUT/run.log.
set -uo pipefail
cd "$(dirname "$0")"
R=$PWD/res; mkdir -p "$R"
pack() { tar czf "$OUT/dp-results.tgz" -C "$PWD" res; }
trap pack EXIT
exec > >(tee "$OUT/run.log") 2>&1
t0=$SECONDS
# NVLink multicast stays off (the host's rule; workers inherit these)
export NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$R/nvidia-smi.csv"
python3 -c 'import torch,os;print("torch",torch.__version__,"cuda",torch.version.cuda,"nccl",torch.cuda.nccl.version(),os.path.dirname(torch.__file__))' | tee "$R/versions.txt"
tar xJf jre.tar.xz || python3 -c 'import tarfile;tarfile.open("jre.tar.xz").extractall()'
echo "JRE at $((SECONDS-t0)) s"
export FAIRL_JNI_INCLUDE=$PWD/jni FAIRL_NATIVE_BUILD_DIR=$PWD/buildn ENGINE_CACHE_DIR=$PWD/cache FAIRL_JOBS=16
timeout 240 bash fairl-native/build.sh > "$R/build.log" 2>&1; echo "BUILD rc=$? at $((SECONDS-t0)) s"
grep -E "fairl native build|fairl-native:" "$R/build.log" buildn/*.cmake.log | head
pack
source buildn/fairl-native.env || exit 1
export OMP_NUM_THREADS=4
J=(./jre-dp0/bin/java -Xmx16g -cp "jars/*:classes" -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
S=${SFT_STEPS:-20}
for n in 1 2; do
  ga=$((3 - n))
  timeout 100 "${J[@]}" ai.fairl.cli.Main fai-rl-train --recipe recipes/training/sft/tiny_sft.yaml --num-gpus $n \
    training.output_dir=$PWD/sft$n training.max_steps=$S training.save_steps=10 training.gradient_accumulation_steps=$ga \
    > "$R/sft$n.log" 2>&1
  echo "SFT gpus=$n rc=$? at $((SECONDS-t0)) s"; grep -vE "^\s+at |^\[W|Warning" "$R/sft$n.log" | grep -E "error|hint|notice|data parallel|Exception" | head -8
  cp sft$n/metrics.jsonl "$R/sft$n-metrics.jsonl" 2>/dev/null
done
python3 - "$R" <<'PY'
import json, sys
r = sys.argv[1]
def load(n):
    try: return [json.loads(l) for l in open(f"{r}/sft{n}-metrics.jsonl") if '"loss"' in l]
    except OSError: return []
a, b = load(1), load(2)
print("SFT steps", len(a), len(b))
worst = 0.0
for x, y in zip(a, b):
    d = abs(x["loss"] - y["loss"]) / max(1e-9, abs(x["loss"])); worst = max(worst, d)
    print(f"step {x['step']:3d} loss 1gpu {x['loss']:.6f} 2gpu {y['loss']:.6f} rel {d:.2e} tokens {x['num_tokens']:.0f}/{y['num_tokens']:.0f}")
print(f"RESULT sft max relative loss difference {worst:.3e} over {min(len(a), len(b))} steps")
PY
pack
B=(ai.fairl.train.DataParallelBenchmark steps=${B_STEPS:-20} batch=${B_BATCH:-8} seq=${B_SEQ:-512} hidden=${B_HIDDEN:-1024} layers=${B_LAYERS:-8} vocab=32000)
timeout 90 "${J[@]}" "${B[@]}" accum=2 > "$R/bench1.log" 2>&1; echo "BENCH gpus=1 rc=$? at $((SECONDS-t0)) s"
pids=()
for r in 0 1; do
  RANK=$r LOCAL_RANK=$r WORLD_SIZE=2 LOCAL_WORLD_SIZE=2 MASTER_ADDR=127.0.0.1 MASTER_PORT=29517 \
    timeout 90 "${J[@]}" "${B[@]}" accum=1 > "$R/bench2-rank$r.log" 2>&1 & pids+=($!)
done
for p in "${pids[@]}"; do wait $p; echo "BENCH rank rc=$?"; done
echo "BENCH gpus=2 at $((SECONDS-t0)) s"
grep -hE "^step|^RESULT|rror|xception" "$R/bench1.log" "$R/bench2-rank0.log" | head -60
grep -hE "rror|xception" "$R/bench2-rank1.log" | head -5
echo "DONE at $((SECONDS-t0)) s"
