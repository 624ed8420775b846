# Sourced by the ebpf-*.sh benchmarks: their common preamble, the nginx they load with wrk, and small helpers (CPU
# ticks of a process and of nginx, a median), defined at the end.
# prepare_bench_host NAME PROJECT [TOOL...]: checks for nginx, wrk, curl, dotnet and the TOOLs, and for root; builds the
# host PROJECT (Release); makes WORK, a temp dir named after NAME that nginx's workers (running as nobody) can read;
# and installs an EXIT trap (stop_bench) that restores kernel.bpf_stats_enabled when STATS_BEFORE is set, stops
# HOST_PID, RIVER_PID and NGINX_PID and removes WORK.
prepare_bench_host() {
    local name="$1" project="$2" tool
    shift 2
    for tool in nginx wrk curl dotnet "$@"; do
        command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
    done
    [ "$(id -u)" = 0 ] || { echo "run as root (BPF)" >&2; exit 1; }
    dotnet build -c Release "$project" -nologo -v q >/dev/null
    WORK="$(mktemp -d "/tmp/river-$name.XXXXXX")"
    chmod 755 "$WORK"
    NGINX_PID=""
    HOST_PID=""
    RIVER_PID=""
    trap stop_bench EXIT
}

stop_bench() {
    local pid
    [ -n "${STATS_BEFORE:-}" ] && echo "$STATS_BEFORE" > /proc/sys/kernel/bpf_stats_enabled 2>/dev/null || true
    for pid in "$HOST_PID" "$RIVER_PID" "$NGINX_PID"; do
        [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
    done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}

# start_bench_nginx DIR [WORKERS]: writes DIR/nginx.conf (a temp prefix, a free loopback port, no access log,
# unlimited keep-alive, one small static file), starts nginx in the foreground as a child of the calling shell and
# waits until it answers. Sets PORT, NGINX_PID and PIDS (the master and its workers, comma-separated).
start_bench_nginx() {
    local dir="$1" workers="${2:-1}"
    PORT="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    mkdir -p "$dir/html"
    printf 'hello from nginx\n' > "$dir/html/index.html"
    cat > "$dir/nginx.conf" <<CONF
worker_processes $workers;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $dir/body;
    proxy_temp_path $dir/proxy;
    fastcgi_temp_path $dir/fastcgi;
    uwsgi_temp_path $dir/uwsgi;
    scgi_temp_path $dir/scgi;
    keepalive_requests 1000000;
    server { listen 127.0.0.1:$PORT; root $dir/html; }
}
CONF
    nginx -p "$dir" -c "$dir/nginx.conf" -g 'daemon off;' &
    NGINX_PID=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/" >/dev/null && break; sleep 0.1; done
    sleep 0.5 # the workers exist once the master answered; let them settle before reading their pids
    PIDS="$NGINX_PID,$(tr ' ' ',' < "/proc/$NGINX_PID/task/$NGINX_PID/children" | sed 's/,$//')"
}

# start_floor_host [VARIANT]: starts $HOST_DLL (bench/scripts/ebpf-capture-host) with --floor on PIDS, variant raw2
# (the default), btf1 or tp9, and waits until it is attached. Sets HOST_PID; stop it with stop_host.
start_floor_host() {
    # Emptied before the host starts (not by its redirection, which may happen after the first check below): an
    # earlier run's "ready" would otherwise start wrk before the floor is attached.
    : > "$WORK/floor.out"
    dotnet "$HOST_DLL" --floor "$PIDS" "${1:-raw2}" > "$WORK/floor.out" 2> "$WORK/floor.err" &
    HOST_PID=$!
    for _ in $(seq 300); do grep -q ready "$WORK/floor.out" 2>/dev/null && break; sleep 0.1; done
    grep -q ready "$WORK/floor.out" || { echo "floor host failed:"; cat "$WORK/floor.err"; exit 1; }
}
stop_host() { kill -TERM "$HOST_PID"; wait "$HOST_PID" || true; HOST_PID=""; }

# cpu_ticks PID: utime+stime of a process, in clock ticks (TICKS per second).
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
# nginx_ticks: utime+stime of nginx's processes (master and workers, PIDS), in clock ticks.
nginx_ticks() { local t=0 pid; for pid in ${PIDS//,/ }; do t=$((t + $(cpu_ticks "$pid"))); done; echo "$t"; }
# median: the median of the numbers on stdin, one a line.
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else if (NR % 2) print v[(NR + 1) / 2]; else printf "%.3f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
TICKS="$(getconf CLK_TCK)"
