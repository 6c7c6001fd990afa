#!/usr/bin/env bash
# The tinyshakespeare benchmark: 10 minutes of training on the first 90% of the file, bits per character on
# the last 10% (the char-rnn / nanoGPT split). Usage: scripts/tinyshakespeare.sh [PATH] [MINUTES]
set -euo pipefail
data=${1:-../shared/bench/tinyshakespeare.txt}
minutes=${2:-10}
out=runs/tinyshakespeare
rm -rf "$out"
start=$(date +%s)
storyteller train --corpus "$data" --out "$out" --minutes "$minutes" --config configs/tinyshakespeare.json \
  --model-id tinyshakespeare-lstm
echo "wall time: $(( $(date +%s) - start )) s (including tokenizer and data preparation)"
storyteller eval --model "$out/best" --corpus "$data" --range 0.9:1.0 --no-memory-eval --json
