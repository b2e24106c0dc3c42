#!/usr/bin/env bash
# The training table of `fairl bench` on one GPU with the baseline in the same call: rows sft,
# sft_amp, lora and dpo for Qwen2.5-0.5B and Llama-3.2-1B, then sft and lora for Llama-3.2-3B (its
# fp32-master rows do not fit 80 GB at 8 x 512 on either side). Stage with
# `fairl-native/tools/dp-bundle.sh <folder>`, copy this file and baseline.py there, and run
# `bash <folder>/final-rows.sh` on the GPU host; results in $OUT/dp-results.tgz.
cd "$(dirname "$0")"
source ./gpu-dp-common.sh
export FAIRL_CARD="$(nvidia-smi --query-gpu=name --format=csv,noheader | head -1)"
bench() {
  local name=$1 to=$2; shift 2
  CUDA_VISIBLE_DEVICES=0 timeout "$to" "${J[@]}" ai.fairl.cli.Main fairl bench --baseline-script baseline.py \
    --baseline "$R/baseline-$name.json" --out "$R/fairl-bench-$name.json" "$@" > "$R/bench-$name.log" 2>&1
  echo "bench $name rc=$? at $((SECONDS-t0)) s"; grep -A9 "^shape  " "$R/bench-$name.log"
  pack
}
bench small 300 --rows sft,sft_amp,lora,dpo --shapes Qwen2.5-0.5B,Llama-3.2-1B
bench 3b 240 --rows sft,lora --shapes Llama-3.2-3B
echo "DONE at $((SECONDS-t0)) s"
