#!/usr/bin/env bash
# Notebooks on one GPU host without Java (issue 11), run as run.sh in a bundle made by
# tools/gpu/notebook-bundle.sh; results in $OUT/gpu-notebook.tgz:
#  1. unpacks the dist (its own Java runtime), builds fairl-native against the host's PyTorch
#     (`fairl native build`) and installs the kernelspec (`fairl notebook install --user`, which
#     records fairl-native's variables in kernel.json);
#  2. runs notebooks/quickstart.ipynb and notebooks/grpo_gsm8k.ipynb headless through that installed
#     kernel with the Java runner (`fairl notebook run --kernel fairl-java`), the GRPO one on the GPU
#     with a random-init Qwen2.5-0.5B (the Qwen tokenizer carried in the bundle) on a few GSM8K rows
#     (FAIRL_DATASETS_DIR carried in the bundle);
#  3. `fairl notebook memory-check --gpu`: the same GRPO training cell three times in one kernel,
#     then one interrupted, with %fairl_memory (CUDA allocator figures) after each.
set -uo pipefail
cd "$(dirname "$0")"
B=$PWD
R=$B/res; mkdir -p "$R"
pack() { tar czf "$OUT/gpu-notebook.tgz" -C "$B" res; }
trap pack EXIT
exec > >(tee "$R/run.log") 2>&1
t0=$SECONDS
stamp() { echo "== $* at $((SECONDS-t0)) s"; pack; }
nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv | tee "$R/nvidia-smi.csv"
python3 -c 'import torch;print("torch",torch.__version__,"cuda",torch.version.cuda)' | tee "$R/versions.txt"
python3 -c 'import nbclient, jupyter_client' >/dev/null 2>&1 && echo "python: nbclient and jupyter_client present" \
  || echo "python: no nbclient/jupyter_client (the Java runner needs neither)" | tee -a "$R/versions.txt"
command -v jupyter >/dev/null && echo "jupyter: $(command -v jupyter)" || echo "jupyter: not installed" | tee -a "$R/versions.txt"
command -v java >/dev/null && echo "java on PATH: $(command -v java)" || echo "java: not installed (the dist brings its own)" | tee -a "$R/versions.txt"

for t in dist.tar.xz qwen-tokenizer.tar.xz; do
  tar xJf "$t" || python3 -c "import tarfile;tarfile.open('$t').extractall()"
done
D=$(ls -d "$B"/fairl-*-linux-x86_64 | head -1)
stamp "dist unpacked: $D"
export HOME=$B/home JUPYTER_DATA_DIR=$B/home/jupyter FAIRL_JOBS=16 OMP_NUM_THREADS=8
mkdir -p "$HOME"
timeout 150 "$D/bin/fairl" native build > "$R/native-build.log" 2>&1; echo "native build rc=$?"
tail -3 "$R/native-build.log"
stamp "native built"
timeout 90 "$D/bin/fairl" notebook install --user 2>&1 | tee "$R/install.log"
cp "$JUPYTER_DATA_DIR/kernels/fairl-java/kernel.json" "$R/kernel.json" 2>/dev/null
"$D/bin/fairl" doctor > "$R/doctor.log" 2>&1; grep -i "engine\|gpu\|cuda" "$R/doctor.log" | head -5
stamp "kernel installed"

export FAIRL_DATASETS_DIR=$B/data
cd "$D/notebooks"
# relative paths only: they end up in the committed outputs
timeout 120 ../bin/fairl notebook run quickstart.ipynb ../../res/quickstart-h100.ipynb --kernel fairl-java \
  --cwd . 2>&1 | tail -5; rc=${PIPESTATUS[0]}; echo "quickstart rc=$rc"
stamp "quickstart done"
timeout 200 ../bin/fairl notebook run grpo_gsm8k.ipynb ../../res/grpo_gsm8k-h100.ipynb --kernel fairl-java --cwd . \
  -p device gpu -p model random:Qwen2.5-0.5B -p tokenizer ../../qwen-tokenizer -p datasetsDir ../../data \
  -p maxSteps 8 -p numGenerations 4 -p gradientAccumulationSteps 4 -p maxCompletionLength 64 \
  -p outputDir outputs/h100-grpo-gsm8k 2>&1 | tail -5; echo "grpo_gsm8k rc=${PIPESTATUS[0]}"
stamp "grpo notebook done"
cp outputs/h100-grpo-gsm8k/metrics.jsonl "$R/grpo-metrics.jsonl" 2>/dev/null
M=$PWD/outputs/h100-grpo-gsm8k-model
[ -d "$M" ] || M=tiny:qwen2
timeout 240 ../bin/fairl notebook memory-check --kernel fairl-java --gpu --steps 2 --out "$B/memory" \
  --recipe ../recipes/training/grpo/qwen25_0.5B_lora.yaml model.base_model_name="$M" \
  training.num_generations=4 training.gradient_accumulation_steps=4 training.max_completion_length=32 \
  training.warmup_steps=0 2>&1 | tail -25; echo "memory-check rc=${PIPESTATUS[0]}"
cp "$B"/memory/memory-check.* "$R/" 2>/dev/null
stamp "memory check done"
echo "DONE at $((SECONDS-t0)) s"
pack
