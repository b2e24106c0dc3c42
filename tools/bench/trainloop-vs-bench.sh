#!/usr/bin/env bash
# The recipe path's training step (TrainLoop through ai.fairl.train.DataParallelBenchmark on one GPU:
# fp32 master weights, bf16 compute) next to `fairl bench`'s pure-bf16 step, in the same call;
# Llama-3.2-1B shape, 8 x 512. Stage with `fairl-native/tools/dp-bundle.sh <folder>`, copy this file
# there, and run `bash <folder>/trainloop-vs-bench.sh` on the GPU host; results in $OUT/dp-results.tgz.
cd "$(dirname "$0")"
source ./gpu-dp-common.sh
one trainloop-b8 150 model=Llama-3.2-1B bf16=1 seq=512 batch=8 steps=10 accum=1
one trainloop-b8-ckpt 150 model=Llama-3.2-1B bf16=1 seq=512 batch=8 steps=10 accum=1 ckpt=1
CUDA_VISIBLE_DEVICES=0 timeout 150 "${J[@]}" ai.fairl.cli.Main fairl bench --rows sft --shapes Llama-3.2-1B --out "$R/bench-sft-1b.json" > "$R/bench.log" 2>&1
echo "bench rc=$? at $((SECONDS-t0)) s"; grep -E "^ROW|sft_full" "$R/bench.log" | cut -c1-400 | head -4
pack
echo "DONE at $((SECONDS-t0)) s"
