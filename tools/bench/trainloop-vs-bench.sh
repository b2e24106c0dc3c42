#!/usr/bin/env bash
# The recipe path's training step (TrainLoop through ai.fairl.train.DataParallelBenchmark on one GPU:
# fp32 master weights, bf16 compute, clipping, fused AdamW) next to the PyTorch baseline doing the
# same work (tools/bench/baseline.py's `sft_amp` row: an fp32 model under bf16 autocast, as HF's
# Trainer runs one with `bf16: true`), the baseline's pure-bf16 row and `fairl bench`'s pure-bf16
# step, in the same call; Llama-3.2-1B shape, 8 x 512 (and 4 micro-batches per step).
# Stage with `fairl-native/tools/dp-bundle.sh <folder>`, copy this file and baseline.py there, and
# run `bash <folder>/trainloop-vs-bench.sh` on the GPU host; results in $OUT/dp-results.tgz.
cd "$(dirname "$0")"
source ./gpu-dp-common.sh
timeout 240 python3 baseline.py --shapes llama-3.2-1b --rows sft,sft_amp --out "$R/baseline.json" > "$R/baseline.log" 2>&1
echo "baseline rc=$? at $((SECONDS-t0)) s"; grep -E "^ROW" "$R/baseline.log" | cut -c1-600
one trainloop-b8 150 model=Llama-3.2-1B bf16=1 seq=512 batch=8 steps=12 accum=1
one trainloop-b8-accum4 200 model=Llama-3.2-1B bf16=1 seq=512 batch=8 steps=8 accum=4
CUDA_VISIBLE_DEVICES=0 timeout 150 "${J[@]}" ai.fairl.cli.Main fairl bench --rows sft --shapes Llama-3.2-1B --out "$R/bench-sft-1b.json" > "$R/bench.log" 2>&1
echo "bench rc=$? at $((SECONDS-t0)) s"; grep -E "^ROW|sft_full" "$R/bench.log" | cut -c1-400 | head -4
pack
echo "DONE at $((SECONDS-t0)) s"
