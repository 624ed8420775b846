#!/usr/bin/env bash
# `river run` start-up: wall time from process start to the first `200` of /-/ready, and RSS once idle, for a
# small config and for 10 000 components. Goals (issue 3): small < 300 ms, 10 000 within 4x of small, idle RSS < 80 MB.
# CPU time at ready (on-CPU time of the river process's threads, from /proc) is printed too: on a shared, loaded machine the
# wall time mostly measures waiting for a core, the CPU time much less so.
# Usage: bench/scripts/startup.sh [RUNS]      Needs: curl, python3.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
source "$here/river-cli.sh"
runs="${1:-7}"
work="$(mktemp -d)"
pid=""
cleanup() { [[ -n "$pid" ]] && kill -KILL "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
"$here/gen-config.sh" 3 "$work/small.alloy"
"$here/gen-config.sh" 10000 "$work/many.alloy"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
rss_mb() { awk '/^VmRSS:/ {printf "%.1f", $2/1024}' "/proc/$1/status"; }
# CPU time of a process so far, in ms with a decimal: the sum over its threads of the on-CPU nanoseconds in
# /proc/PID/task/TID/schedstat. /proc/PID/stat counts in 10 ms clock ticks, too coarse for a start that takes tens of
# milliseconds; threads that already exited are not counted (River starts none before ready that end).
cpu_ms() { cat /proc/"$1"/task/*/schedstat 2>/dev/null | awk '{ns += $1} END {printf "%.1f", ns / 1e6}'; }

# One start: prints "<ms to ready> <RSS MB right after ready> <RSS MB after 5 s idle> <CPU ms at ready>".
one_start() {
  local config="$1" port start now code
  port="$(free_port)"
  start="$(date +%s%N)"
  "${RIVER[@]}" run "$config" --server.http.listen-addr "127.0.0.1:$port" --storage.path "$work/data" \
    --config.no-watch >"$work/out.log" 2>&1 &
  pid=$!
  while :; do
    code="$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/-/ready" || true)"
    [[ "$code" == 200 ]] && break
    kill -0 "$pid" 2>/dev/null || { echo "river exited:" >&2; cat "$work/out.log" >&2; exit 1; }
    sleep 0.005
  done
  now="$(date +%s%N)"
  local ready_rss idle_rss cpu
  cpu="$(cpu_ms "$pid")"
  ready_rss="$(rss_mb "$pid")"
  sleep 5
  idle_rss="$(rss_mb "$pid")"
  kill -TERM "$pid"; wait "$pid" || { echo "river did not exit 0 on SIGTERM" >&2; exit 1; }
  pid=""
  echo "$(( (now - start) / 1000000 )) $ready_rss $idle_rss $cpu"
}

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }

echo "load before: $(cut -d' ' -f1-3 /proc/loadavg); runs per config: $runs"
declare -A med cpu
for name in small many; do
  : > "$work/$name.txt"
  one_start "$work/$name.alloy" >/dev/null   # warm-up (disk cache, first JIT of the host)
  for ((i = 0; i < runs; i++)); do one_start "$work/$name.alloy" >> "$work/$name.txt"; done
  ms="$(cut -d' ' -f1 "$work/$name.txt" | median)"
  rss="$(cut -d' ' -f2 "$work/$name.txt" | median)"
  idle="$(cut -d' ' -f3 "$work/$name.txt" | median)"
  med[$name]="$ms"
  cpu[$name]="$(cut -d' ' -f4 "$work/$name.txt" | median)"
  echo "$name: ready in ms: $(cut -d' ' -f1 "$work/$name.txt" | tr '\n' ' ')| median $ms ms; CPU at ready: $(cut -d' ' -f4 "$work/$name.txt" | tr '\n' ' ')| median ${cpu[$name]} ms; RSS at ready $rss MB; idle RSS (5 s) $idle MB"
done
awk -v a="${med[small]}" -v b="${med[many]}" 'BEGIN {printf "ratio 10000 components / small: %.2fx wall (goal <= 4x)", b/a}'
awk -v a="${cpu[small]}" -v b="${cpu[many]}" 'BEGIN {printf ", %.2fx CPU\n", b/a}'
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
