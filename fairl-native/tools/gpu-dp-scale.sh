#!/usr/bin/env bash
# Multi-GPU scaling on an N-GPU host, N = 4 (or 2, or 8: NGPU, default all GPUs), packed by
# fairl-native/tools/dp-bundle.sh; run as `bash .device/native-dp/scale.sh`; console in
# $OUT/run.log, logs in $OUT/dp-results.tgz:
#  1. DataParallelBenchmark, random-init Llama-3.2-1B, bf16 compute, global batch 64 x 512:
#     N ranks (accum 8/N) with the overlapped all-reduce, 1 GPU (accum 8), 2 ranks (accum 4) when
#     N > 2, N ranks fully sharded when N > 2;
#  2. fully sharded SFT of a random-init Llama-3-8B shape on N >= 4 ranks (Llama-3.2-3B on 2),
#     5 steps, micro-batch 2 x 512;
#  3. GRPO through the CLI with --num-gpus N on random:Llama-3.2-1B (the 1B layer shape with the
#     tiny character tokenizer's vocabulary), 3 steps;
#  4. checkpoints across modes on the GPU: the tiny SFT recipe fully sharded on N GPUs saves at
#     step 10, one GPU resumes it to step 20; compared with one GPU for 20 steps.
cd "$(dirname "$0")"
source ./gpu-dp-common.sh
N=${NGPU:-$(nvidia-smi -L | wc -l)}
M=(model=Llama-3.2-1B bf16=1 seq=512 batch=8 steps=${B_STEPS:-8})
ranks b$N "$N" 60 "${M[@]}" accum=$((8 / N)) mode=overlap
if [[ -z "${SKIP_SMALL:-}" ]]; then # SKIP_SMALL=1: 1 and 2 GPUs were measured on another host
  one b1 60 "${M[@]}" accum=8
  ((N > 2)) && ranks b2 2 60 "${M[@]}" accum=4 mode=overlap
fi
((N > 2)) && ranks b${N}z3 "$N" 60 "${M[@]}" accum=$((8 / N)) mode=zero3
ranks b${N}z2 "$N" 60 "${M[@]}" accum=$((8 / N)) mode=zero2
BIG=Llama-3-8B; ((N < 4)) && BIG=Llama-3.2-3B
ranks big-z3 "$N" 100 model=$BIG bf16=1 seq=512 batch=2 steps=5 accum=1 mode=zero3
timeout 90 "${J[@]}" ai.fairl.cli.Main fai-rl-train --recipe recipes/training/grpo/tiny_arithmetic.yaml --num-gpus "$N" \
  model.base_model_name=random:Llama-3.2-1B training.output_dir=$PWD/grpo training.max_steps=3 training.save_steps=100 \
  training.per_device_train_batch_size=16 training.num_generations=8 training.bf16=true \
  > "$R/grpo.log" 2>&1
echo "GRPO gpus=$N rc=$? at $((SECONDS-t0)) s"
grep -vE "^\s+at " "$R/grpo.log" | grep -E "rror|data parallel|xception|^step|completed" | head -8
cp grpo/metrics.jsonl "$R/grpo-metrics.jsonl" 2>/dev/null; pack
sft() {
  local name=$1 n=$2 ga=$3; shift 3
  timeout 60 "${J[@]}" ai.fairl.cli.Main fai-rl-train --recipe recipes/training/sft/tiny_sft.yaml --num-gpus "$n" \
    training.output_dir=$PWD/$name training.max_steps=20 training.gradient_accumulation_steps=$ga "$@" > "$R/$name.log" 2>&1
  echo "SFT $name rc=$? at $((SECONDS-t0)) s"; cp $name/metrics.jsonl "$R/$name-metrics.jsonl" 2>/dev/null
}
sft ck1 1 "$N" training.save_steps=100
sft ckz3 "$N" 1 training.save_steps=10 training.deepspeed_config=$PWD/configs/deepspeed/zero3_auto_config.json
sft ckresume 1 "$N" training.save_steps=100 training.resume_from_checkpoint=$PWD/ckz3/checkpoint-10
python3 - "$R" <<'PY'
import json, sys
r = sys.argv[1]
def load(n):
    try: return {int(x["step"]): x["loss"] for x in map(json.loads, open(f"{r}/{n}-metrics.jsonl")) if "loss" in x}
    except OSError: return {}
a, z, c = load("ck1"), load("ckz3"), load("ckresume")
worst = max([abs(a[s] - v) / abs(a[s]) for s, v in list(z.items()) + [(s, v) for s, v in c.items() if s > 10] if s in a] or [float("nan")])
print(f"RESULT checkpoint sharded on the GPUs -> one GPU: steps {sorted(z)[:1]}..{max(c) if c else None}, max relative loss difference {worst:.3e}")
PY
pack
grep -hE "^step" "$R"/b*.log > "$R/losses.txt" 2>/dev/null
echo "DONE at $((SECONDS-t0)) s"
