#!/usr/bin/env bash
# Packs the GPU notebook check (tools/gpu/gpu-notebook-check.sh) into one folder under the device
# tool's 64 MiB: the dist (target/fairl-*-linux-x86_64.tar.gz from `bin/fairl dist`, recompressed
# with xz: ~47 MB), 200 GSM8K training rows as a FAIRL_DATASETS_DIR mirror (gsm8k/train.jsonl), the
# Qwen tokenizer fixture (xz) (build/fixtures/tokenizers/qwen3, for the random-init Qwen2.5-0.5B).
# Usage: tools/gpu/notebook-bundle.sh <folder, e.g. /work/main/.device/notebook> [path/to/shared/data]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
out="${1:?usage: notebook-bundle.sh <folder> [shared data dir]}"
data="${2:-$root/../shared/data}"
dist=$(ls "$root"/target/fairl-*-linux-x86_64.tar.gz 2>/dev/null | head -1)
[[ -n "$dist" ]] || { echo "no dist: run bin/fairl dist first" >&2; exit 2; }
rm -rf "$out" && mkdir -p "$out/data/gsm8k"
if [[ -n "${FAIRL_BUNDLE_DIST_TXZ:-}" ]]; then
  cp "$FAIRL_BUNDLE_DIST_TXZ" "$out/dist.tar.xz"
else
  gzip -dc "$dist" | xz -6 -T2 > "$out/dist.tar.xz"
fi
head -200 "$data/gsm8k/train.jsonl" > "$out/data/gsm8k/train.jsonl"
tar cJf "$out/qwen-tokenizer.tar.xz" -C "$root/build/fixtures/tokenizers" --transform 's,^qwen3,qwen-tokenizer,' \
  qwen3/tokenizer.json qwen3/tokenizer_config.json
cp "$root/tools/gpu/gpu-notebook-check.sh" "$out/run.sh"
chmod +x "$out/run.sh"
du -sh "$out"
