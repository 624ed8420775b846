#!/usr/bin/env bash
# `river validate` whole-process time: a 10 000-block config against a 1-block config, with hyperfine.
# Goal (issue 3): 10 000 blocks within 4x of 1 block. Needs: hyperfine (Debian package `hyperfine`).
# Usage: bench/scripts/validate-scaling.sh [RUNS]     (results in bench/scripts/results/validate-scaling.{md,json})
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/river-cli.sh"
runs="${1:-10}"
command -v hyperfine >/dev/null || { echo "hyperfine is required: apt-get install -y hyperfine" >&2; exit 1; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$here/results"
"$here/gen-config.sh" 1 "$work/one.alloy"
"$here/gen-config.sh" 10000 "$work/many.alloy"
for f in one many; do
  "${RIVER[@]}" validate "$work/$f.alloy" || { echo "$f.alloy does not validate" >&2; exit 1; }
done
echo "sizes: $(wc -c < "$work/one.alloy") B and $(wc -c < "$work/many.alloy") B; load: $(cut -d' ' -f1-3 /proc/loadavg)"
hyperfine --warmup 2 --runs "$runs" -N \
  --export-markdown "$here/results/validate-scaling.md" --export-json "$here/results/validate-scaling.json" \
  -n "validate 1 block" "${RIVER[*]} validate $work/one.alloy" \
  -n "validate 10000 blocks" "${RIVER[*]} validate $work/many.alloy"
python3 - "$here/results/validate-scaling.json" <<'PY'
import json, sys, statistics
r = {x["command"]: x for x in json.load(open(sys.argv[1]))["results"]}
one, many = statistics.median(r["validate 1 block"]["times"]), statistics.median(r["validate 10000 blocks"]["times"])
print(f"median: 1 block {one*1000:.0f} ms, 10000 blocks {many*1000:.0f} ms, ratio {many/one:.2f}x (goal <= 4x)")
# CPU (user + system, means): on a loaded machine the wall time is mostly waiting for a core.
cpu = {k: (v["user"] + v["system"]) for k, v in r.items()}
c1, cn = cpu["validate 1 block"], cpu["validate 10000 blocks"]
print(f"CPU: 1 block {c1*1000:.0f} ms, 10000 blocks {cn*1000:.0f} ms, ratio {cn/c1:.2f}x")
PY
