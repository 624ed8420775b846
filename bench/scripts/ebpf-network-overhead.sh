#!/usr/bin/env bash
# Cost of beyla.ebpf's network flows on loopback traffic, and of their user-space eviction.
#  1. nginx on a free loopback port under `wrk -t2 -c32`, alternating rounds without and with the flow collector
#     attached to lo (the real NetworkFlowCollector, source socket_filter or tc): req/s of each, and their ratio.
#  2. The kernel's memory for the flow map at cache_max_flows=5000 (bpftool's memlock of the loaded map) and the
#     computed size of keys + per-CPU values.
#  3. User-space cost per evicted flow: FLOWS distinct UDP flows per round, one timed eviction each round.
# Needs root, nginx, wrk, curl, bpftool, clang-14, libbpf-dev, the .NET SDK.
# Usage: bench/scripts/ebpf-network-overhead.sh [source] [duration_seconds] [rounds] [flows]
set -euo pipefail

SOURCE="${1:-socket_filter}"
DURATION="${2:-10}"
ROUNDS="${3:-3}"
FLOWS="${4:-5000}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HOST_PROJECT="$ROOT/bench/scripts/ebpf-network-host/EbpfNetworkHost.csproj"
HOST_DLL="$ROOT/bench/scripts/ebpf-network-host/bin/Release/net10.0/EbpfNetworkHost.dll"

source "$(dirname "$0")/bench-nginx.sh"
prepare_bench_host net-bench "$HOST_PROJECT" bpftool
start_bench_nginx "$WORK" 1

run_wrk() { # prints "req_per_sec total_requests"
    wrk -t2 -c32 -d"${DURATION}s" "http://127.0.0.1:$PORT/" | awk '
        / requests in / { total = $1 }
        /^Requests\/sec:/ { rps = $2 }
        END { print rps, total }'
}

wrk -t2 -c32 -d2s "http://127.0.0.1:$PORT/" >/dev/null # warm-up
SUM_BASE=0; SUM_NET=0
echo "== wrk -t2 -c32 -d${DURATION}s on nginx (1 worker), network flows source=$SOURCE on lo, $ROUNDS rounds"
for round in $(seq "$ROUNDS"); do
    read -r BASE_RPS _ < <(run_wrk)
    : > "$WORK/host.out"
    dotnet "$HOST_DLL" attach "$SOURCE" > "$WORK/host.out" 2> "$WORK/host.err" &
    HOST_PID=$!
    for _ in $(seq 300); do grep -q ready "$WORK/host.out" 2>/dev/null && break; sleep 0.1; done
    grep -q ready "$WORK/host.out" || { echo "network host failed:"; cat "$WORK/host.err"; exit 1; }
    if [ "$round" = 1 ]; then
        echo "flow map as loaded (bpftool):"
        bpftool map list | grep -A2 "name flows " | sed 's/^/  /' || true
    fi
    read -r NET_RPS _ < <(run_wrk)
    kill -TERM "$HOST_PID"
    wait "$HOST_PID" || true
    HOST_PID=""
    echo "round $round: without $BASE_RPS req/s, with $NET_RPS req/s" \
        "$(awk -v a="$NET_RPS" -v b="$BASE_RPS" 'BEGIN { printf "ratio %.3f", a / b }')" \
        "($(tr '\n' ' ' < "$WORK/host.out" | sed 's/ready //'))"
    SUM_BASE="$(awk -v a="$SUM_BASE" -v b="$BASE_RPS" 'BEGIN { print a + b }')"
    SUM_NET="$(awk -v a="$SUM_NET" -v b="$NET_RPS" 'BEGIN { print a + b }')"
done
awk -v a="$SUM_NET" -v b="$SUM_BASE" -v n="$ROUNDS" 'BEGIN { printf "overall: without %.0f req/s, with %.0f req/s, ratio %.3f\n", b / n, a / n, a / b }'

echo "== user-space eviction cost, $FLOWS UDP flows per round (plus their ICMP replies)"
dotnet "$HOST_DLL" evict "$SOURCE" "$FLOWS" 6
