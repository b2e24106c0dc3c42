#!/usr/bin/env bash
# Two-GPU scaling of the recipe path for a 1B shape (issue: 2 GPUs >= 1.8x one GPU), packed by
# fairl-native/tools/dp-bundle.sh (copy this file into the bundle); run as
# `bash .device/native-dp/gpu-dp-1b.sh` on a 2-GPU host; console in $OUT/run.log, logs in
# $OUT/dp-results.tgz. DataParallelBenchmark, random-init Llama-3.2-1B, fp32 masters with bf16
# compute, micro-batch 8 x 512: global batch 32 and 64 on 1 GPU (gradient accumulation) and on 2
# (data parallel, overlapped all-reduce), then ZeRO-2 and ZeRO-3 on 2 GPUs at global batch 64
# against 1 GPU with the same per-layer recompute that ZeRO-3 implies.
cd "$(dirname "$0")"
source ./gpu-dp-common.sh
M=(model=Llama-3.2-1B bf16=1 seq=512 batch=8)
one b1-gb32 120 "${M[@]}" accum=4 steps=10
ranks b2-gb32 2 120 "${M[@]}" accum=2 steps=10 mode=overlap
one b1-gb64 150 "${M[@]}" accum=8 steps=8
ranks b2-gb64 2 150 "${M[@]}" accum=4 steps=8 mode=overlap
ranks b2-gb64-z2 2 150 "${M[@]}" accum=4 steps=8 mode=zero2
one b1-gb64-ckpt 180 "${M[@]}" accum=8 steps=8 ckpt=1
ranks b2-gb64-z3 2 180 "${M[@]}" accum=4 steps=8 mode=zero3
echo "DONE at $((SECONDS-t0)) s"
