#!/usr/bin/env bash
# The whole cost of beyla.ebpf on nginx, measured through the published `river run`.
# Each round runs `wrk -t2 -c32 -d${DURATION}s` against nginx three times, one after another:
#   base   nginx alone;
#   floor  with two raw tracepoints (sys_enter, sys_exit) that test the PID filter and do nothing
#          (bench/scripts/ebpf-capture-host --floor): the price of being attached to every syscall;
#   river  with `river run` and a config of one beyla.ebpf selecting nginx by open_port (after a 5 s warm-up
#          run, as the base had: the measure is River in steady state, not its JIT compiling the hot path).
# The order of the three rotates from round to round (base floor river, floor river base, river base floor, ...),
# so that no mode always runs first or last in a round (a machine whose speed drifts over a round would
# otherwise favour one of them); each ratio is taken against the base of its own round.
# Reports per round and overall: req/s of each, the ratios floor/base and river/base, nginx's CPU time per
# request in each mode (utime+stime of nginx's processes over the wrk run; the capture program's time is in it,
# since it runs in nginx's syscalls: a measure that other load moves far less than req/s), River's CPU time per
# 100 000 requests (utime+stime from /proc/PID/stat over the wrk run; the capture program's own run time, which is
# charged to nginx, from kernel.bpf_stats_enabled and River's fdinfo over a separate 3 s wrk run, since the
# statistics themselves cost a clock read per program run), its RSS (VmRSS after the run, VmHWM),
# IRQ-work interrupts per 1 000 requests during River's run (the ring-buffer wake-ups the program forces),
# # events lost (beyla_ebpf_lost_events_total, over the measured and the statistics run), and whether River counted every request wrk completed (GET
# count of http_server_request_duration_seconds_count; wrk stops counting with up to one request per
# connection still being answered, so River may count up to 32 more). The summary gives the ratios of the summed
# req/s and the median of the rounds' ratios (less moved by one disturbed round), and the same for nginx's CPU,
# and River's cost as a multiple of the floor's, by both measures.
# Needs root, nginx, wrk, curl, python3, clang-14, bpftool, libbpf-dev, the .NET SDK. Run it on a quiet machine:
# other load moves req/s by more than the effect measured.
# Usage: bench/scripts/ebpf-river-overhead.sh [duration_seconds] [rounds] [nginx_workers]
set -euo pipefail

DURATION="${1:-10}"
ROUNDS="${2:-3}"
WORKERS="${3:-1}"
CONNECTIONS=32
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
HOST_PROJECT="$ROOT/bench/scripts/ebpf-capture-host/EbpfCaptureHost.csproj"
HOST_DLL="$ROOT/bench/scripts/ebpf-capture-host/bin/Release/net10.0/EbpfCaptureHost.dll"

source "$(dirname "$0")/bench-nginx.sh"
prepare_bench_host ebpf-river-bench "$HOST_PROJECT" python3
"$ROOT/river" --help >/dev/null # publishes artifacts/river on first use or after source changes
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
start_bench_nginx "$WORK" "$WORKERS"

cat > "$WORK/river.alloy" <<CONF
beyla.ebpf "default" {
  open_port = "$PORT"
}
CONF

run_wrk() { # prints "req_per_sec total_requests"
    wrk -t2 -c"$CONNECTIONS" -d"${DURATION}s" "http://127.0.0.1:$PORT/" | awk '
        / requests in / { total = $1 }
        /^Requests\/sec:/ { rps = $2 }
        END { print rps, total }'
}

# Sum of the samples of metric $2 whose line contains $3, from River's component metrics at port $1.
river_sum() {
    # A River not listening yet reads as 0 (pipefail would otherwise fail the whole pipeline).
    { curl -sf "http://127.0.0.1:$1/api/v0/component/beyla.ebpf.default/metrics" || true; } |
        awk -v m="$2" -v f="$3" 'index($0, m "{") == 1 && index($0, f) > 0 { s += $NF } END { printf "%.0f\n", s + 0 }'
}
# The GET count once two reads half a second apart agree (at most 10 s).
settled_get_count() {
    local last now
    last="$(river_sum "$1" http_server_request_duration_seconds_count 'http_request_method="GET"')"
    for _ in $(seq 20); do
        sleep 0.5
        now="$(river_sum "$1" http_server_request_duration_seconds_count 'http_request_method="GET"')"
        [ "$now" = "$last" ] && break
        last="$now"
    done
    echo "$now"
}
# "run_time_ns run_cnt" summed over the BPF programs process $1 holds (River: its capture program), from the
# fdinfo of its bpf-prog fds; needs kernel.bpf_stats_enabled. The program runs in nginx's context, so its time
# is not in River's utime+stime.
prog_stats() {
    local ns=0 runs=0 fd
    for fd in /proc/"$1"/fd/*; do
        [ "$(readlink "$fd" 2>/dev/null)" = "anon_inode:bpf-prog" ] || continue
        read -r a b < <(awk '$1 == "run_time_ns:" { t = $2 } $1 == "run_cnt:" { c = $2 } END { print t + 0, c + 0 }' \
            "/proc/$1/fdinfo/${fd##*/}")
        ns=$((ns + a)); runs=$((runs + b))
    done
    echo "$ns $runs"
}
STATS_SWITCH=/proc/sys/kernel/bpf_stats_enabled
STATS_BEFORE="$(cat "$STATS_SWITCH")"
# IRQ-work interrupts on all CPUs (IWI in /proc/interrupts): a ring-buffer wake-up forced by the capture program
# queues an irq_work, raised as a self-IPI; at the default wake-up length it should be about 2 per 1 000 requests.
irq_work_count() { awk '$1 == "IWI:" { for (i = 2; i <= NF && $i ~ /^[0-9]+$/; i++) s += $i } END { print s + 0 }' /proc/interrupts; }
status_kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

wrk -t2 -c"$CONNECTIONS" -d2s "http://127.0.0.1:$PORT/" >/dev/null # warm-up
echo "nginx workers: $WORKERS (pids $PIDS), wrk -t2 -c$CONNECTIONS -d${DURATION}s, rounds=$ROUNDS, $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"
# One measured wrk run: sets $1_RPS, $1_TOTAL and $1_NGINX (nginx CPU µs per request).
measured_wrk() {
    local t0 t1 rps total
    t0="$(nginx_ticks)"
    read -r rps total < <(run_wrk)
    t1="$(nginx_ticks)"
    printf -v "$1_RPS" '%s' "$rps"
    printf -v "$1_TOTAL" '%s' "$total"
    printf -v "$1_NGINX" '%s' "$(awk -v t=$((t1 - t0)) -v hz="$TICKS" -v n="$total" 'BEGIN { printf "%.2f", n ? t / hz / n * 1e6 : 0 }')"
}

measure_base() { measured_wrk BASE; }

measure_floor() {
    start_floor_host
    measured_wrk FLOOR
    stop_host
}

measure_river() {
    RPORT="$(free_port)"
    "$ROOT/river" run "$WORK/river.alloy" --server.http.listen-addr "127.0.0.1:$RPORT" \
        --storage.path "$WORK/data" > "$WORK/river.log" 2>&1 &
    RIVER_PID=$!
    # Traced once a HEAD probe (not counted with wrk's GETs) shows up in the component's metrics.
    TRACED=""
    for _ in $(seq 120); do
        curl -sfI "http://127.0.0.1:$PORT/" >/dev/null || true
        if [ "$(river_sum "$RPORT" http_server_request_duration_seconds_count 'http_request_method="HEAD"')" -gt 0 ]; then
            TRACED=yes; break
        fi
        sleep 0.5
    done
    [ -n "$TRACED" ] || { echo "river did not trace nginx within 60 s:"; tail -20 "$WORK/river.log"; exit 1; }
    # Steady state, as for the base (warmed up once above): a fresh River spends its first seconds under load
    # compiling its hot path (.NET tiered JIT), which a long-running agent pays once.
    wrk -t2 -c"$CONNECTIONS" -d5s "http://127.0.0.1:$PORT/" >/dev/null
    # The warm-up's last events may still wait in the ring buffer (below the wake-up length, delivered on the
    # reader's next poll timeout): count from a settled value, or they would be taken for the measured run's.
    BEFORE="$(settled_get_count "$RPORT")"
    CPU0="$(cpu_ticks "$RIVER_PID")" # also River's whole start-up cost so far
    IWI0="$(irq_work_count)"
    measured_wrk RIVER
    IWI1="$(irq_work_count)"
    CPU1="$(cpu_ticks "$RIVER_PID")"
    # Let the last events drain (wake-up batching flushes on the reader's poll timeout).
    AFTER="$BEFORE"
    for _ in $(seq 20); do
        sleep 0.5
        NOW="$(river_sum "$RPORT" http_server_request_duration_seconds_count 'http_request_method="GET"')"
        [ "$NOW" = "$AFTER" ] && [ "$((NOW - BEFORE))" -ge "$RIVER_TOTAL" ] && break
        AFTER="$NOW"
    done
    AFTER="$NOW"
    COUNTED=$((AFTER - BEFORE))
    # The program's run time, in a separate shorter wrk run: kernel.bpf_stats_enabled adds a clock read per
    # program run, a cost users do not pay, so it stays off during the measured run.
    echo 1 > "$STATS_SWITCH"
    read -r NS0 RUNS0 < <(prog_stats "$RIVER_PID")
    read -r _ STATS_TOTAL < <(DURATION=3 run_wrk)
    read -r NS1 RUNS1 < <(prog_stats "$RIVER_PID")
    echo "$STATS_BEFORE" > "$STATS_SWITCH"
    LOST="$(river_sum "$RPORT" beyla_ebpf_lost_events_total '')"
    RSS="$(status_kb "$RIVER_PID" VmRSS)"; HWM="$(status_kb "$RIVER_PID" VmHWM)"
    kill -TERM "$RIVER_PID"; wait "$RIVER_PID" || true; RIVER_PID=""
}

S_BASE=0; S_FLOOR=0; S_RIVER=0; S_REQ=0; S_CPU=0; S_LOST=0; S_NS=0; S_SREQ=0; S_IWI=0; ALL_COUNTED=yes
S_NB=0; S_NF=0; S_NR=0
MODES=(base floor river)
for round in $(seq "$ROUNDS"); do
    ORDER=""
    for i in 0 1 2; do
        mode="${MODES[$(((round - 1 + i) % 3))]}"
        ORDER="$ORDER $mode"
        "measure_$mode"
    done

    CPU_S="$(awk -v t=$((CPU1 - CPU0)) -v hz="$TICKS" 'BEGIN { printf "%.2f", t / hz }')"
    PER100K="$(awk -v c="$CPU_S" -v n="$RIVER_TOTAL" 'BEGIN { printf "%.3f", c / n * 100000 }')"
    OK="yes"; { [ "$COUNTED" -ge "$RIVER_TOTAL" ] && [ "$COUNTED" -le $((RIVER_TOTAL + CONNECTIONS)) ]; } || { OK="NO"; ALL_COUNTED=no; }
    echo "round $round (order:$ORDER):"
    echo "  base:   $BASE_RPS req/s; nginx CPU $BASE_NGINX µs per request"
    awk -v a="$FLOOR_RPS" -v b="$BASE_RPS" -v c="$FLOOR_NGINX" -v d="$BASE_NGINX" 'BEGIN { printf "  floor:  %s req/s (ratio %.3f); nginx CPU %s µs per request (base/floor %.3f)\n", a, a / b, c, d / c }'
    awk -v a="$RIVER_RPS" -v b="$BASE_RPS" -v c="$RIVER_NGINX" -v d="$BASE_NGINX" 'BEGIN { printf "  river:  %s req/s (ratio %.3f); nginx CPU %s µs per request (base/river %.3f)\n", a, a / b, c, d / c }'
    echo "  river:  CPU ${CPU_S} s over $RIVER_TOTAL requests = $PER100K s per 100k requests; RSS $((RSS / 1024)) MiB (peak $((HWM / 1024)) MiB)"
    awk -v t="$CPU0" -v hz="$TICKS" 'BEGIN { printf "  river:  start-up (load, attach, discovery, 5 s warm-up under wrk): CPU %.2f s\n", t / hz }'
    awk -v ns=$((NS1 - NS0)) -v runs=$((RUNS1 - RUNS0)) -v n="$STATS_TOTAL" 'BEGIN {
        printf "  kernel: capture program %.0f ns per request (%.0f ns per run, %.1f runs per request)\n",
            n ? ns / n : 0, runs ? ns / runs : 0, n ? runs / n : 0 }'
    awk -v i=$((IWI1 - IWI0)) -v n="$RIVER_TOTAL" 'BEGIN { printf "  kernel: %.1f irq_work interrupts per 1 000 requests (ring-buffer wake-ups; machine-wide)\n", n ? i * 1000 / n : 0 }'
    echo "  river:  counted $COUNTED of $RIVER_TOTAL completed by wrk (+ up to $CONNECTIONS in flight): $OK; events lost: $LOST"
    S_BASE="$(awk -v a="$S_BASE" -v b="$BASE_RPS" 'BEGIN { print a + b }')"
    S_FLOOR="$(awk -v a="$S_FLOOR" -v b="$FLOOR_RPS" 'BEGIN { print a + b }')"
    S_RIVER="$(awk -v a="$S_RIVER" -v b="$RIVER_RPS" 'BEGIN { print a + b }')"
    awk -v a="$FLOOR_RPS" -v b="$BASE_RPS" 'BEGIN { printf "%.4f\n", a / b }' >> "$WORK/ratio.floor"
    awk -v a="$RIVER_RPS" -v b="$BASE_RPS" 'BEGIN { printf "%.4f\n", a / b }' >> "$WORK/ratio.river"
    awk -v c="$FLOOR_NGINX" -v d="$BASE_NGINX" 'BEGIN { printf "%.4f\n", d / c }' >> "$WORK/cpu.floor"
    awk -v c="$RIVER_NGINX" -v d="$BASE_NGINX" 'BEGIN { printf "%.4f\n", d / c }' >> "$WORK/cpu.river"
    S_NB="$(awk -v a="$S_NB" -v b="$BASE_NGINX" 'BEGIN { print a + b }')"
    S_NF="$(awk -v a="$S_NF" -v b="$FLOOR_NGINX" 'BEGIN { print a + b }')"
    S_NR="$(awk -v a="$S_NR" -v b="$RIVER_NGINX" 'BEGIN { print a + b }')"
    S_REQ=$((S_REQ + RIVER_TOTAL)); S_LOST=$((S_LOST + LOST)); S_CPU=$((S_CPU + CPU1 - CPU0)); S_NS=$((S_NS + NS1 - NS0)); S_SREQ=$((S_SREQ + STATS_TOTAL)); S_IWI=$((S_IWI + IWI1 - IWI0))
done
awk -v b="$S_BASE" -v f="$S_FLOOR" -v r="$S_RIVER" -v n="$ROUNDS" 'BEGIN {
    printf "overall: base %.0f req/s, floor %.0f req/s (ratio %.3f), river %.0f req/s (ratio %.3f)\n", b / n, f / n, f / b, r / n, r / b }'
echo "overall: median of the rounds' ratios: floor $(median < "$WORK/ratio.floor"), river $(median < "$WORK/ratio.river") (rounds: floor $(paste -sd' ' "$WORK/ratio.floor"); river $(paste -sd' ' "$WORK/ratio.river"))"
awk -v b="$S_NB" -v f="$S_NF" -v r="$S_NR" -v n="$ROUNDS" 'BEGIN {
    printf "overall: nginx CPU per request: base %.2f µs, floor %.2f µs (base/floor %.3f), river %.2f µs (base/river %.3f)\n", b / n, f / n, b / f, r / n, b / r }'
echo "overall: median of the rounds' nginx CPU ratios: base/floor $(median < "$WORK/cpu.floor"), base/river $(median < "$WORK/cpu.river")"
# The issue's goal in its second form: River's cost as a multiple of the floor's, (1 - river) / (1 - floor), by
# throughput (summed req/s) and by nginx's CPU per request ((river - base) / (floor - base)).
awk -v b="$S_BASE" -v f="$S_FLOOR" -v r="$S_RIVER" -v nb="$S_NB" -v nf="$S_NF" -v nr="$S_NR" 'BEGIN {
    printf "overall: river cost / floor cost: by req/s %.2f×, by nginx CPU per request %.2f×\n",
        ((b - f) > 0 ? (b - r) / (b - f) : 0), ((nf - nb) > 0 ? (nr - nb) / (nf - nb) : 0) }'
awk -v t="$S_CPU" -v hz="$TICKS" -v n="$S_REQ" -v ns="$S_NS" -v sn="$S_SREQ" 'BEGIN {
    printf "overall: river CPU %.3f s per 100k requests (%d requests), plus %.3f s of capture program time in nginx\n", t / hz / n * 100000, n, ns / 1e9 / sn * 100000 }'
awk -v i="$S_IWI" -v n="$S_REQ" 'BEGIN { printf "overall: %.1f irq_work interrupts per 1 000 requests while River ran\n", n ? i * 1000 / n : 0 }'
echo "overall: events lost $S_LOST; every completed request counted in every round: $ALL_COUNTED"
