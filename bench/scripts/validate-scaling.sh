#!/usr/bin/env bash
# `river validate` whole-process time: a 10 000-block config against a 1-block config, with hyperfine.
# Goal (issue 2): 10 000 blocks within 4x of 1 block. Needs: hyperfine (Debian package `hyperfine`).
# Usage: bench/scripts/validate-scaling.sh [RUNS] [ROUNDS]
#   ROUNDS (default 5) rounds alternate the two files, RUNS (default 10) runs of each per round: a slow spell of this
#   shared machine then lands in both files' runs of a round instead of in one file's. Printed: each round's medians
#   and ratio, the median of the rounds' ratios (the figure), and the ratio of the pooled medians.
#   Results: bench/scripts/results/validate-scaling.{md,json} (the last round).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/river-cli.sh"
runs="${1:-10}"
rounds="${2:-5}"
command -v hyperfine >/dev/null || { echo "hyperfine is required: apt-get install -y hyperfine" >&2; exit 1; }
work="$(mktemp -d)"; trap 'rm -rf "$work"' EXIT
mkdir -p "$here/results"
"$here/gen-config.sh" 1 "$work/one.alloy"
"$here/gen-config.sh" 10000 "$work/many.alloy"
for f in one many; do
  "${RIVER[@]}" validate "$work/$f.alloy" || { echo "$f.alloy does not validate" >&2; exit 1; }
done
echo "sizes: $(wc -c < "$work/one.alloy") B and $(wc -c < "$work/many.alloy") B; load: $(cut -d' ' -f1-3 /proc/loadavg)"
for ((r = 1; r <= rounds; r++)); do
  # The order of the two files alternates from round to round as well.
  if ((r % 2)); then order=(one many); else order=(many one); fi
  args=()
  for f in "${order[@]}"; do
    if [[ $f == one ]]; then args+=(-n "validate 1 block" "${RIVER[*]} validate $work/one.alloy"); else args+=(-n "validate 10000 blocks" "${RIVER[*]} validate $work/many.alloy"); fi
  done
  hyperfine --warmup 2 --runs "$runs" -N --style none \
    --export-markdown "$here/results/validate-scaling.md" --export-json "$work/round-$r.json" "${args[@]}" >/dev/null 2>&1
  cp "$work/round-$r.json" "$here/results/validate-scaling.json"
done
python3 - "$work" "$rounds" <<'PY'
import json, sys, statistics
work, rounds = sys.argv[1], int(sys.argv[2])
ratios, ones, manys, cpu1, cpun = [], [], [], [], []
for r in range(1, rounds + 1):
    res = {x["command"]: x for x in json.load(open(f"{work}/round-{r}.json"))["results"]}
    one, many = res["validate 1 block"], res["validate 10000 blocks"]
    m1, mn = statistics.median(one["times"]), statistics.median(many["times"])
    ones += one["times"]; manys += many["times"]
    cpu1.append(one["user"] + one["system"]); cpun.append(many["user"] + many["system"])
    ratios.append(mn / m1)
    print(f"round {r}: 1 block {m1*1000:.1f} ms, 10000 blocks {mn*1000:.1f} ms, ratio {mn/m1:.2f}x")
p1, pn = statistics.median(ones), statistics.median(manys)
print(f"median of the rounds' ratios: {statistics.median(ratios):.2f}x (goal <= 4x); worst round {max(ratios):.2f}x")
print(f"pooled medians: 1 block {p1*1000:.1f} ms, 10000 blocks {pn*1000:.1f} ms, ratio {pn/p1:.2f}x")
# CPU (user + system, means): on a loaded machine the wall time is mostly waiting for a core.
c1, cn = statistics.mean(cpu1), statistics.mean(cpun)
print(f"CPU: 1 block {c1*1000:.0f} ms, 10000 blocks {cn*1000:.0f} ms, ratio {cn/c1:.2f}x")
PY
