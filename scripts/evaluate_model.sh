#!/usr/bin/env bash
# Every figure in assets/MODEL.md and docs/evaluation.md, from the shipped model. Usage: scripts/evaluate_model.sh [MODEL]
# Held-out files: never seen by the tokenizer, the training run or any tuning step.
set -euo pipefail
model=${1:-assets/model}
corpus=${CORPUS:-../shared/corpus}
heldout="$corpus/adventure-novels/stevenson_treasure_island.txt $corpus/childrens-fantasy/lofting_story_of_doctor_dolittle.txt
$corpus/fairy-tales/jacobs_celtic_fairy_tales.txt $corpus/if-transcripts/zork1_walkthroughs.txt
$corpus/tinystories/tinystories_train_first_stories.txt"
mkdir -p docs/results
storyteller eval --model "$model" --corpus $heldout --json --chart docs/memory_distance.svg > docs/results/heldout.json
for script in evals/scripts/*.txt; do
  storyteller eval --model "$model" --script "$script" --seed 1 --json > "docs/results/play_$(basename "$script" .txt).json"
done
storyteller eval --annotated evals/annotated --json > docs/results/summarizer.json
storyteller bench --model "$model" --train --tui --json > docs/results/bench.json
