#!/usr/bin/env bash
# Writes a valid River config of N discovery.relabel components (each with a target and a rule) to OUT.
# Usage: bench/scripts/gen-config.sh N OUT
# 10 000 blocks make about 1.5 MB; every block validates and runs (no network, no files).
set -euo pipefail
n="${1:?usage: gen-config.sh N OUT}"
out="${2:?usage: gen-config.sh N OUT}"
awk -v n="$n" 'BEGIN {
  for (i = 0; i < n; i++) {
    printf "discovery.relabel \"job_%d\" {\n", i
    printf "\ttargets = [{\"__address__\" = \"host-%d:9090\", env = \"prod\", tier = \"%d\"}]\n\n", i, i % 3
    printf "\trule {\n\t\tsource_labels = [\"__address__\"]\n\t\ttarget_label  = \"instance\"\n\t}\n}\n\n"
  }
}' > "$out"
