#!/usr/bin/env bash
# One call on a 2-GPU host: (1) the recipe path's loss through the chunked label log-prob kernel
# against the full fp32 logits (DataParallelBenchmark loss=kernel|logits, 1B, one GPU, gradient
# accumulation 1 and 4); (2) fairl-native/tools/gpu-dp-1b.sh (1 vs 2 GPUs, ZeRO-2/3); (3) `fairl
# bench` rows sft_amp and lora for 0.5B and 1B with the baseline in the same call.
# Stage: fairl-native/tools/dp-bundle.sh <folder>; copy this file, gpu-dp-1b.sh and baseline.py there.
cd "$(dirname "$0")"
source ./gpu-dp-common.sh
M=(model=Llama-3.2-1B bf16=1 seq=512 batch=8)
one ab-kernel-a1 120 "${M[@]}" accum=1 steps=12 loss=kernel
one ab-logits-a1 120 "${M[@]}" accum=1 steps=12 loss=logits
one ab-kernel-a4 120 "${M[@]}" accum=4 steps=8 loss=kernel
one ab-logits-a4 120 "${M[@]}" accum=4 steps=8 loss=logits
one b1-gb64 150 "${M[@]}" accum=8 steps=8
ranks b2-gb64 2 150 "${M[@]}" accum=4 steps=8 mode=overlap
one b1-gb32 120 "${M[@]}" accum=4 steps=10
ranks b2-gb32 2 120 "${M[@]}" accum=2 steps=10 mode=overlap
ranks b2-gb64-z2 2 150 "${M[@]}" accum=4 steps=8 mode=zero2
one b1-gb64-ckpt 180 "${M[@]}" accum=8 steps=8 ckpt=1
ranks b2-gb64-z3 2 180 "${M[@]}" accum=4 steps=8 mode=zero3
export FAIRL_CARD="$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)"
CUDA_VISIBLE_DEVICES=0 timeout 240 "${J[@]}" ai.fairl.cli.Main fairl bench --rows sft_amp,lora --shapes Qwen2.5-0.5B,Llama-3.2-1B \
  --baseline-script baseline.py --baseline "$R/baseline.json" --out "$R/fairl-bench.json" > "$R/bench.log" 2>&1
echo "bench rc=$? at $((SECONDS-t0)) s"; grep -A6 "^shape " "$R/bench.log"
pack
echo "DONE at $((SECONDS-t0)) s"
