#!/usr/bin/env bash
# One-GPU check of the training paths through the CLI on fairl-native (run as run.sh in a bundle made
# by fairl-native/tools/dp-bundle.sh plus the GRPO recipe and data; results in $OUT):
#  1. builds fairl-native against the host's PyTorch;
#  2. tiny SFT with bf16 compute and gradient checkpointing on the GPU (fp32 masters);
#  3. tiny GRPO (shipped tiny_arithmetic recipe, FAI-RL's three rewards) on the GPU;
#  4. the same GRPO steps on the host's CPU with fairl-native, for the loss and reward trend.
set -uo pipefail
cd "$(dirname "$0")"
R=$PWD/res; mkdir -p "$R"
pack() { tar czf "$OUT/gpu-train.tgz" -C "$PWD" res; }
trap pack EXIT
exec > >(tee "$OUT/run.log") 2>&1
t0=$SECONDS
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$R/nvidia-smi.csv"
python3 -c 'import torch;print("torch",torch.__version__,"cuda",torch.version.cuda)' | tee "$R/versions.txt"
tar xJf jre.tar.xz || python3 -c 'import tarfile;tarfile.open("jre.tar.xz").extractall()'
export FAIRL_JNI_INCLUDE=$PWD/jni FAIRL_NATIVE_BUILD_DIR=$PWD/buildn ENGINE_CACHE_DIR=$PWD/cache FAIRL_JOBS=16
timeout 240 bash fairl-native/build.sh > "$R/build.log" 2>&1; echo "BUILD rc=$? at $((SECONDS-t0)) s"
source buildn/fairl-native.env || exit 1
export OMP_NUM_THREADS=4
J=(./jre-dp0/bin/java -Xmx16g -cp "jars/*:classes" -Dai.djl.offline=true -Dorg.slf4j.simpleLogger.defaultLogLevel=warn)
run() { # name timeout args...
  local name=$1 limit=$2; shift 2
  timeout "$limit" "${J[@]}" ai.fairl.cli.Main fai-rl-train "$@" training.output_dir=$PWD/$name > "$R/$name.log" 2>&1
  echo "$name rc=$? at $((SECONDS-t0)) s"
  grep -E "notice|error|hint|completed|Exception" "$R/$name.log" | grep -v "^\s*at " | head -6
  cp "$name/metrics.jsonl" "$R/$name-metrics.jsonl" 2>/dev/null
}
run sft-bf16-ckpt 120 --recipe recipes/training/sft/tiny_sft.yaml --debug training.max_steps=20 \
  training.bf16=true training.gradient_checkpointing=true training.save_steps=20
run grpo-gpu 180 --recipe recipes/training/grpo/tiny_arithmetic.yaml training.max_steps=8 training.save_steps=8
CUDA_VISIBLE_DEVICES= run grpo-cpu 180 --recipe recipes/training/grpo/tiny_arithmetic.yaml training.max_steps=8 training.save_steps=8
python3 - "$R" <<'PY'
import json, sys
r = sys.argv[1]
for n in ["sft-bf16-ckpt", "grpo-gpu", "grpo-cpu"]:
    try:
        rows = [json.loads(l) for l in open(f"{r}/{n}-metrics.jsonl") if '"loss"' in l]
    except OSError:
        print("RESULT", n, "no metrics"); continue
    keys = [k for k in ("loss", "grad_norm", "reward") if rows and k in rows[0]]
    first, last = rows[0], rows[-1]
    print("RESULT", n, "steps", len(rows), " ".join(f"{k} {first[k]:.4f}->{last[k]:.4f}" for k in keys))
PY
echo "DONE at $((SECONDS-t0)) s"
