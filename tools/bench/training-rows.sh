#!/usr/bin/env bash
# The training rows of `fairl bench` on one GPU with the PyTorch baseline in the same call, twice
# around ours (the baseline's own spread shows in the two runs): Qwen2.5-0.5B and Llama-3.2-1B,
# rows sft (pure bf16 step), sft_amp (the recipe path: TrainLoop, fp32 masters, bf16 compute, against
# an fp32 model under bf16 autocast), lora (r8 all-linear) and dpo (first shape).
# Stage with `fairl-native/tools/dp-bundle.sh <folder>`, copy this file and baseline.py there, and
# run `bash <folder>/training-rows.sh` on the GPU host; results in $OUT/dp-results.tgz.
cd "$(dirname "$0")"
source ./gpu-dp-common.sh
ROWS=sft,sft_amp,lora,dpo
SHAPES=Qwen2.5-0.5B,Llama-3.2-1B
export FAIRL_CARD="$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)"
CUDA_VISIBLE_DEVICES=0 timeout 420 "${J[@]}" ai.fairl.cli.Main fairl bench --rows $ROWS --shapes $SHAPES \
  --baseline-script baseline.py --baseline "$R/baseline-a.json" --out "$R/fairl-bench.json" > "$R/bench.log" 2>&1
echo "bench rc=$? at $((SECONDS-t0)) s"; grep -E "^ROW" "$R/bench.log" | cut -c1-300
grep -A14 "^NVIDIA\|^unknown" "$R/bench.log" | grep -v "^ROW" | head -16
pack
timeout 200 python3 baseline.py --shapes qwen2.5-0.5b,llama-3.2-1b --rows $ROWS --out "$R/baseline-b.json" > "$R/baseline-b.log" 2>&1
echo "baseline-b rc=$? at $((SECONDS-t0)) s"; grep -E "^ROW" "$R/baseline-b.log" | cut -c1-400
pack
echo "DONE at $((SECONDS-t0)) s"
