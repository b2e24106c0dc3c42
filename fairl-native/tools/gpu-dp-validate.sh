#!/usr/bin/env bash
# Multi-GPU validation on a 2-GPU host (packed by fairl-native/tools/dp-bundle.sh; runs as run.sh
# in the bundle; console in $OUT/run.log, logs in $OUT/dp-results.tgz):
#  1. builds fairl-native against the host's PyTorch with NCCL (gpu-dp-common.sh);
#  2. the tiny SFT recipe, 20 steps, through the CLI: --num-gpus 1 with accumulation 2 against
#     --num-gpus 2 with accumulation 1 (the same global batch of 8), data parallel (overlapped
#     all-reduce) and fully sharded (training.deepspeed_config = FAI-RL's zero3 file); losses compared;
#  3. DataParallelBenchmark on a random-init Llama-3.2-1B (bf16 compute, fp32 masters, seq 512,
#     micro-batch 8, global batch 32): 1 GPU (accum 4) against 2 ranks (accum 2), overlapped, not
#     overlapped and fully sharded (ZeRO-3; its 1-GPU reference recomputes layers too), last the
#     partitioned optimizer (ZeRO-2; added after the 2026-11-26 run, not yet measured).
cd "$(dirname "$0")"
source ./gpu-dp-common.sh
S=${SFT_STEPS:-20}
sft() {
  local name=$1 n=$2 ga=$3; shift 3
  timeout 100 "${J[@]}" ai.fairl.cli.Main fai-rl-train --recipe recipes/training/sft/tiny_sft.yaml --num-gpus "$n" \
    training.output_dir=$PWD/$name training.max_steps=$S training.save_steps=10 training.gradient_accumulation_steps=$ga "$@" \
    > "$R/$name.log" 2>&1
  echo "SFT $name rc=$? at $((SECONDS-t0)) s"
  grep -vE "^\s+at " "$R/$name.log" | grep -E "rror|notice|data parallel|xception" | head -6
  cp $name/metrics.jsonl "$R/$name-metrics.jsonl" 2>/dev/null
}
sft sft1 1 2
sft sft2 2 1
sft sft2z3 2 1 training.deepspeed_config=$PWD/configs/deepspeed/zero3_auto_config.json
python3 - "$R" <<'PY'
import json, sys
r = sys.argv[1]
def load(n):
    try: return [json.loads(l) for l in open(f"{r}/{n}-metrics.jsonl") if '"loss"' in l]
    except OSError: return []
a = load("sft1")
for other in ("sft2", "sft2z3"):
    b = load(other); worst = 0.0
    for x, y in zip(a, b):
        worst = max(worst, abs(x["loss"] - y["loss"]) / max(1e-9, abs(x["loss"])))
    print(f"RESULT sft {other} vs sft1: max relative loss difference {worst:.3e} over {min(len(a), len(b))} steps")
PY
pack
M=(model=Llama-3.2-1B bf16=1 seq=512 batch=8 steps=${B_STEPS:-10})
one b1 90 "${M[@]}" accum=4
ranks b2 2 90 "${M[@]}" accum=2 mode=overlap
ranks b2z3 2 120 "${M[@]}" accum=2 mode=zero3
one b1ckpt 90 "${M[@]}" accum=4 ckpt=1
ranks b2sync 2 90 "${M[@]}" accum=2 mode=sync
ranks b2z2 2 90 "${M[@]}" accum=2 mode=zero2
grep -hE "^step" "$R/b1.log" "$R/b2-rank0.log" "$R/b2z3-rank0.log" "$R/b1ckpt.log" | head -48 > "$R/losses.txt"
echo "DONE at $((SECONDS-t0)) s"
