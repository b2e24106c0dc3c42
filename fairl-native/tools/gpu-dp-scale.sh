#!/usr/bin/env bash
# Multi-GPU scaling on a 4-GPU host (packed by fairl-native/tools/dp-bundle.sh; run as
# `bash .device/native-dp/scale.sh`; console in $OUT/run.log, logs in $OUT/dp-results.tgz):
#  1. DataParallelBenchmark, random-init Llama-3.2-1B, bf16 compute, global batch 64 x 512: 1 GPU
#     (accum 8), 2 ranks (accum 4), 4 ranks (accum 2) with the overlapped all-reduce, and 4 ranks
#     fully sharded;
#  2. fully sharded SFT of a random-init Llama-3-8B shape on 4 ranks (5 steps, micro-batch 2 x 512);
#  3. GRPO through the CLI with --num-gpus 4 on random:Llama-3.2-1B (the 1B layer shape with the
#     tiny character tokenizer's vocabulary), 3 steps.
cd "$(dirname "$0")"
source ./gpu-dp-common.sh
M=(model=Llama-3.2-1B bf16=1 seq=512 batch=8 steps=${B_STEPS:-8})
ranks b4 4 60 "${M[@]}" accum=2 mode=overlap
one b1 60 "${M[@]}" accum=8
ranks b2 2 60 "${M[@]}" accum=4 mode=overlap
ranks b4z3 4 60 "${M[@]}" accum=2 mode=zero3
ranks b4z3-8b 4 90 model=Llama-3-8B bf16=1 seq=512 batch=2 steps=5 accum=1 mode=zero3
timeout 90 "${J[@]}" ai.fairl.cli.Main fai-rl-train --recipe recipes/training/grpo/tiny_arithmetic.yaml --num-gpus 4 \
  model.base_model_name=random:Llama-3.2-1B training.output_dir=$PWD/grpo4 training.max_steps=3 training.save_steps=100 \
  training.per_device_train_batch_size=16 training.num_generations=8 training.bf16=true \
  > "$R/grpo4.log" 2>&1
echo "GRPO gpus=4 rc=$? at $((SECONDS-t0)) s"
grep -vE "^\s+at " "$R/grpo4.log" | grep -E "rror|notice|data parallel|xception|step" | head -8
cp grpo4/metrics.jsonl "$R/grpo4-metrics.jsonl" 2>/dev/null; pack
grep -hE "^step" "$R/b1.log" "$R/b2-rank0.log" "$R/b4-rank0.log" "$R/b4z3-rank0.log" > "$R/losses.txt"
echo "DONE at $((SECONDS-t0)) s"
