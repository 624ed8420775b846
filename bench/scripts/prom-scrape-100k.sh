#!/usr/bin/env bash
# River vs Prometheus 2.42 scraping the same 100 000-series target in the same run, and River's remote-write
# throughput into that Prometheus.
#
# One static exposition of SERIES series (text format 0.0.4, 100 families × SERIES/100 series, three labels each) is
# served by python3's http.server. Prometheus scrapes it (job "prom-100k") and receives, over remote write, what the
# published `river run` scrapes from it (job "river-100k"); both at the same interval. After DURATION seconds the
# script reads from Prometheus:
#   - each side's mean and max scrape_duration_seconds over the run (goal: River ≤ 1× Prometheus),
#   - the samples River delivered (prometheus_remote_storage_samples_total on River's /metrics) and their rate,
#   - River's CPU time (utime+stime from /proc) per million samples delivered, and its RSS at the end.
# Needs prometheus (Debian 2.42), python3, curl, the .NET SDK. Ports are picked free; everything runs on loopback.
# Usage: bench/scripts/prom-scrape-100k.sh [duration_seconds=120] [scrape_interval_seconds=5] [series=100000]
set -euo pipefail

DURATION="${1:-120}"
INTERVAL="${2:-5}"
SERIES="${3:-100000}"
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"

for tool in prometheus python3 curl dotnet; do
    command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done

# Publish (or reuse) the river binary first, so its build does not overlap the measurement.
"$ROOT/river" --version >/dev/null 2>&1 || "$ROOT/river" --help >/dev/null

WORK="$(mktemp -d /tmp/river-prom-bench.XXXXXX)"
PIDS=()
cleanup() {
    for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
TARGET_PORT="$(free_port)"
PROM_PORT="$(free_port)"
RIVER_PORT="$(free_port)"

# The target: a fixed body, so both scrapers parse the same bytes every time.
mkdir -p "$WORK/target"
python3 - "$SERIES" > "$WORK/target/metrics" <<'PY'
import sys
n = int(sys.argv[1])
families = 100
per = max(1, n // families)
out = []
for f in range(families):
    name = f"bench_family_{f:03d}_total"
    out.append(f"# HELP {name} Generated counter {f}.\n# TYPE {name} counter\n")
    for i in range(per):
        out.append(f'{name}{{pod="pod-{i % 500}",shard="{i // 500}",path="/api/v1/items/{i}"}} {i * 7 + f}\n')
sys.stdout.write("".join(out))
PY
(cd "$WORK/target" && exec python3 -m http.server "$TARGET_PORT" --bind 127.0.0.1) >/dev/null 2>&1 &
PIDS+=($!)

cat > "$WORK/prometheus.yml" <<YML
global: { scrape_interval: ${INTERVAL}s, scrape_timeout: ${INTERVAL}s }
scrape_configs:
  - job_name: prom-100k
    metrics_path: /metrics
    static_configs: [ { targets: ['127.0.0.1:$TARGET_PORT'] } ]
YML
prometheus --config.file="$WORK/prometheus.yml" --storage.tsdb.path="$WORK/tsdb" \
    --web.listen-address="127.0.0.1:$PROM_PORT" --web.enable-remote-write-receiver >"$WORK/prometheus.log" 2>&1 &
PIDS+=($!)

cat > "$WORK/river.alloy" <<ALLOY
prometheus.scrape "bench" {
  targets         = [{"__address__" = "127.0.0.1:$TARGET_PORT"}]
  forward_to      = [prometheus.remote_write.prom.receiver]
  job_name        = "river-100k"
  scrape_interval = "${INTERVAL}s"
  scrape_timeout  = "${INTERVAL}s"
}

prometheus.remote_write "prom" {
  endpoint {
    url = "http://127.0.0.1:$PROM_PORT/api/v1/write"
  }
}
ALLOY
"$ROOT/river" run "$WORK/river.alloy" --server.http.listen-addr "127.0.0.1:$RIVER_PORT" \
    --storage.path "$WORK/river-data" >"$WORK/river.log" 2>&1 &
RIVER_WRAPPER=$!
PIDS+=($RIVER_WRAPPER)

for _ in $(seq 600); do
    curl -sf "http://127.0.0.1:$RIVER_PORT/-/ready" >/dev/null 2>&1 && curl -sf "http://127.0.0.1:$PROM_PORT/-/ready" >/dev/null 2>&1 && break
    sleep 0.2
done
# The dotnet process that runs River (the ./river wrapper execs or forks it).
RIVER_PID="$(pgrep -P "$RIVER_WRAPPER" -f River.Cli.dll || echo "$RIVER_WRAPPER")"
pgrep -f "River.Cli.dll run $WORK/river.alloy" >/dev/null && RIVER_PID="$(pgrep -f "River.Cli.dll run $WORK/river.alloy" | head -1)"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
river_sent() {
    curl -s "http://127.0.0.1:$RIVER_PORT/metrics" \
        | awk '/^prometheus_remote_storage_samples_total\{/ {s += $NF} END {printf "%.0f\n", s}'
}
query() {
    curl -s --get "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" \
        | python3 -c 'import json,sys; r=json.load(sys.stdin)["data"]["result"]; print(r[0]["value"][1] if r else "n/a")'
}

TICK="$(getconf CLK_TCK)"
CPU0="$(cpu_ticks "$RIVER_PID")"
SENT0="$(river_sent)"
START="$(date +%s.%N)"
echo "measuring for ${DURATION}s: ${SERIES} series every ${INTERVAL}s (river pid $RIVER_PID)" >&2
sleep "$DURATION"
CPU1="$(cpu_ticks "$RIVER_PID")"
SENT1="$(river_sent)"
END="$(date +%s.%N)"
# Give the last batches time to land before reading the scrape durations River wrote.
sleep $((INTERVAL + 6))

W="${DURATION}s"
PROM_AVG="$(query "avg_over_time(scrape_duration_seconds{job=\"prom-100k\"}[$W])")"
RIVER_AVG="$(query "avg_over_time(scrape_duration_seconds{job=\"river-100k\"}[$W])")"
echo "series                         : $SERIES per scrape, interval ${INTERVAL}s, window $W"
echo "prometheus scrape_duration avg : $PROM_AVG s (max $(query "max_over_time(scrape_duration_seconds{job=\"prom-100k\"}[$W])"), up $(query "avg_over_time(up{job=\"prom-100k\"}[$W])"), $(query "count_over_time(up{job=\"prom-100k\"}[$W])") scrapes)"
echo "river      scrape_duration avg : $RIVER_AVG s (max $(query "max_over_time(scrape_duration_seconds{job=\"river-100k\"}[$W])"), up $(query "avg_over_time(up{job=\"river-100k\"}[$W])"), $(query "count_over_time(up{job=\"river-100k\"}[$W])") scrapes)"
python3 -c 'import sys
try: print(f"ratio river/prometheus (avg)   : {float(sys.argv[1]) / float(sys.argv[2]):.3f} (goal <= 1)")
except ValueError: print("ratio river/prometheus (avg)   : n/a (a query returned nothing)")' "$RIVER_AVG" "$PROM_AVG"
python3 - "$SENT0" "$SENT1" "$CPU0" "$CPU1" "$TICK" "$START" "$END" <<'PY'
import sys
s0, s1, c0, c1, tick, t0, t1 = (float(x) for x in sys.argv[1:])
sent, secs, cpu = s1 - s0, t1 - t0, (c1 - c0) / tick
print(f"remote write delivered         : {sent:.0f} samples in {secs:.1f} s = {sent / secs:,.0f} samples/s")
print(f"river CPU                      : {cpu:.2f} s = {cpu / secs * 100:.0f}% of one core; "
      + (f"{cpu / (sent / 1e6):.2f} CPU-s per million samples (scrape + parse + WAL + send)" if sent > 0 else "no samples sent"))
PY
echo "river RSS at end               : $(awk '/VmRSS/ {print $2 " kB"}' "/proc/$RIVER_PID/status")"
echo "load average                   : $(cut -d' ' -f1-3 /proc/loadavg)"
