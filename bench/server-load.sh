#!/usr/bin/env bash
# Server load bench: the block server next to a bare axum baseline, in the same run.
#
#   bash bench/server-load.sh
#
# Builds both in release mode, starts each on 127.0.0.1 (the server on a fresh data
# directory), creates an API key, and drives `GET /external-api/v1/blocks` and
# `POST /external-api/v1/blocks/{id}/execute` (CalculatorBlock) with wrk (installed
# from Debian when missing). Prints requests/s, p50/p99 latency, errors, the ratio to
# the baseline, the CPU time each process spent per request, the server's idle RSS
# and peak RSS under load, and the time from process start to the first successful
# request.
#
# Each figure is the median of ROUNDS runs, the server's and the baseline's taken in
# turn (server, baseline, server, ...) so that both see the same moments of a
# shared, noisy machine; the latencies are those of the median run.
#
# Settings (environment): DURATION (seconds per run, default 6), ROUNDS (default 3),
# CONNECTIONS (default 32), THREADS (wrk threads, default 2), SERVER_PORT /
# BASELINE_PORT (defaults 18731 / 18732). Load only ever goes to 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-6}
ROUNDS=${ROUNDS:-3}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=${THREADS:-2}
SERVER_PORT=${SERVER_PORT:-18731}
BASELINE_PORT=${BASELINE_PORT:-18732}
TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
export CARGO_TARGET_DIR=$TARGET_DIR

if ! command -v wrk >/dev/null 2>&1; then
    echo "== installing wrk" >&2
    apt-get update -qq && apt-get install -y -qq wrk >/dev/null
fi
command -v curl >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq curl >/dev/null; }

echo "== building (release)" >&2
cargo build --release --locked -p block-server >&2
cargo build --release --locked --manifest-path bench/axum-baseline/Cargo.toml >&2
SERVER_BIN=$TARGET_DIR/release/block-server
BASELINE_BIN=$TARGET_DIR/release/axum-baseline

WORK=$(mktemp -d /tmp/server-load.XXXXXX)
PIDS=()
cleanup() {
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }
rss_kb() { awk -v field="$2:" '$1 == field { print $2 }' "/proc/$1/status"; }
mb() { awk -v kb="$1" 'BEGIN { printf "%.1f MB", kb / 1024 }'; }

# Polls URL (with optional curl arguments) until it answers 2xx; prints the
# milliseconds since START_MS. Gives up after 30 s.
wait_ready() {
    local start_ms=$1 url=$2
    shift 2
    for _ in $(seq 1 6000); do
        if curl -sf -o /dev/null "$@" "$url"; then
            echo $(($(now_ms) - start_ms))
            return 0
        fi
        sleep 0.005
    done
    echo "no successful answer from $url within 30 s" >&2
    return 1
}

SERVER_URL=http://127.0.0.1:$SERVER_PORT
BASELINE_URL=http://127.0.0.1:$BASELINE_PORT
LISTING=/external-api/v1/blocks
CALCULATOR=470bd006-adb0-48de-a0d9-b3a7de19568b
EXECUTE=/external-api/v1/blocks/$CALCULATOR/execute
INPUT='{"operation": "add", "a": 1, "b": 2}'

# No rate limit and a balance no run will exhaust: the bench measures throughput.
export BLOCKS_RATE_LIMIT_PER_MINUTE=0 BLOCKS_STARTING_CREDITS=1000000000

echo "== starting the block server (fresh data directory)" >&2
start_ms=$(now_ms)
"$SERVER_BIN" serve --addr "127.0.0.1:$SERVER_PORT" --data-dir "$WORK/data" >"$WORK/server.log" 2>&1 &
PIDS+=($!)
server_pid=$!
first_start_ms=$(wait_ready "$start_ms" "$SERVER_URL/healthz")
KEY=$("$SERVER_BIN" keys create --name load-bench --scopes READ_BLOCK,EXECUTE_BLOCK --data-dir "$WORK/data" | tail -n 1 | tr -d '[:space:]')
[ -n "$KEY" ] || { echo "could not create an API key" >&2; exit 1; }

# A restart on the existing data directory, measured to the first authenticated answer.
kill -TERM "$server_pid"
wait "$server_pid" 2>/dev/null || true
start_ms=$(now_ms)
"$SERVER_BIN" serve --addr "127.0.0.1:$SERVER_PORT" --data-dir "$WORK/data" >>"$WORK/server.log" 2>&1 &
server_pid=$!
PIDS+=($server_pid)
restart_ms=$(wait_ready "$start_ms" "$SERVER_URL$LISTING" -H "X-API-Key: $KEY")

curl -sf -H "X-API-Key: $KEY" "$SERVER_URL$LISTING" >"$WORK/listing.json"
curl -sf -H "X-API-Key: $KEY" -H 'Content-Type: application/json' -d "$INPUT" "$SERVER_URL$EXECUTE" >"$WORK/execute.json"
sleep 1
idle_kb=$(rss_kb "$server_pid" VmRSS)

"$BASELINE_BIN" "127.0.0.1:$BASELINE_PORT" "$WORK/listing.json" "$WORK/execute.json" &
baseline_pid=$!
PIDS+=($baseline_pid)
wait_ready "$(now_ms)" "$BASELINE_URL$LISTING" >/dev/null

cat >"$WORK/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$INPUT'
wrk.headers["Content-Type"] = "application/json"
LUA

# CPU time (user + system) the process PID has used, in clock ticks.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# Runs wrk against the process PID and prints "requests/s p50 p99 errors
# cpu-µs-per-request" (latencies in ms; the CPU the process spent per answered
# request, which wrk's share of the machine does not move).
drive() {
    local pid=$1 out before after
    shift
    before=$(cpu_ticks "$pid")
    out=$(timeout $((DURATION + 30)) wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --timeout 5s --latency "$@")
    after=$(cpu_ticks "$pid")
    echo "$out" >>"$WORK/wrk.log"
    echo "$out" | awk -v ticks=$((after - before)) -v hz="$(getconf CLK_TCK)" '
        function ms(v) {
            if (v ~ /us$/) return substr(v, 1, length(v) - 2) / 1000
            if (v ~ /ms$/) return substr(v, 1, length(v) - 2) + 0
            if (v ~ /s$/) return substr(v, 1, length(v) - 1) * 1000
            return v
        }
        /Requests\/sec:/ { rps = $2 }
        / requests in / { requests = $1 }
        $1 == "50%" { p50 = ms($2) }
        $1 == "99%" { p99 = ms($2) }
        /Non-2xx or 3xx responses:/ { errors += $NF }
        /Socket errors:/ { for (i = 3; i <= NF; i += 2) errors += $(i + 1) + 0 }
        END { printf "%.0f %.2f %.2f %d %.1f\n", rps, p50, p99, errors + 0, (requests > 0 ? ticks * 1e6 / hz / requests : 0) }'
}

server_listing() { drive "$server_pid" -H "X-API-Key: $KEY" "$SERVER_URL$LISTING"; }
baseline_listing() { drive "$baseline_pid" "$BASELINE_URL$LISTING"; }
server_execute() { drive "$server_pid" -s "$WORK/post.lua" -H "X-API-Key: $KEY" "$SERVER_URL$EXECUTE"; }
baseline_execute() { drive "$baseline_pid" -s "$WORK/post.lua" "$BASELINE_URL$EXECUTE"; }

# Runs the two given runs ROUNDS times each, in turn; prints the median run of
# each side ("rps p50 p99 errors cpu", errors summed over every run) on two lines.
interleave() {
    local round
    : >"$WORK/rounds.server"
    : >"$WORK/rounds.baseline"
    for round in $(seq 1 "$ROUNDS"); do
        "$1" >>"$WORK/rounds.server"
        "$2" >>"$WORK/rounds.baseline"
    done
    for side in server baseline; do
        local errors
        errors=$(awk '{ sum += $4 } END { print sum + 0 }' "$WORK/rounds.$side")
        sort -n "$WORK/rounds.$side" | awk -v n="$ROUNDS" -v errors="$errors" 'NR == int((n + 1) / 2) { print $1, $2, $3, errors, $5 }'
    done
}

echo "== load: ${ROUNDS} rounds of ${DURATION}s per side, $CONNECTIONS connections, $THREADS wrk threads" >&2
# A short warm-up of each path before measuring.
timeout 30 wrk -t1 -c4 -d2s -H "X-API-Key: $KEY" "$SERVER_URL$LISTING" >/dev/null
timeout 30 wrk -t1 -c4 -d2s -s "$WORK/post.lua" -H "X-API-Key: $KEY" "$SERVER_URL$EXECUTE" >/dev/null
{
    read -r s_list_rps s_list_p50 s_list_p99 s_list_err s_list_cpu
    read -r b_list_rps b_list_p50 b_list_p99 b_list_err b_list_cpu
} < <(interleave server_listing baseline_listing)
{
    read -r s_exec_rps s_exec_p50 s_exec_p99 s_exec_err s_exec_cpu
    read -r b_exec_rps b_exec_p50 b_exec_p99 b_exec_err b_exec_cpu
} < <(interleave server_execute baseline_execute)
peak_kb=$(rss_kb "$server_pid" VmHWM)
sleep 1
after_kb=$(rss_kb "$server_pid" VmRSS)

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f%%", (b > 0 ? 100 * a / b : 0) }'; }

echo
echo "Machine: $(nproc) cores, $(awk -F': ' '/model name/ { print $2; exit }' /proc/cpuinfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "Bodies: listing $(wc -c <"$WORK/listing.json") bytes ($(grep -o '"id"' "$WORK/listing.json" | wc -l) ids), execute $(wc -c <"$WORK/execute.json") bytes: $(cat "$WORK/execute.json")"
echo
row() { printf '%-30s %8s %8s %8s %7s %8s %12s\n' "$@"; }
row "endpoint" "req/s" "p50 ms" "p99 ms" "errors" "vs base" "CPU µs/req"
row "GET /blocks, block-server" "$s_list_rps" "$s_list_p50" "$s_list_p99" "$s_list_err" "$(ratio "$s_list_rps" "$b_list_rps")" "$s_list_cpu"
row "GET /blocks, bare axum" "$b_list_rps" "$b_list_p50" "$b_list_p99" "$b_list_err" "100%" "$b_list_cpu"
row "POST execute, block-server" "$s_exec_rps" "$s_exec_p50" "$s_exec_p99" "$s_exec_err" "$(ratio "$s_exec_rps" "$b_exec_rps")" "$s_exec_cpu"
row "POST execute, bare axum" "$b_exec_rps" "$b_exec_p50" "$b_exec_p99" "$b_exec_err" "100%" "$b_exec_cpu"
echo
echo "block-server RSS: idle $(mb "$idle_kb"), peak under load $(mb "$peak_kb"), idle after load $(mb "$after_kb")"
echo "block-server start to first successful request: first start (fresh data dir, /healthz) ${first_start_ms} ms, restart (authenticated GET /blocks) ${restart_ms} ms"
echo
pass() { if [ "$1" = 1 ]; then echo "met"; else echo "MISSED"; fi; }
echo "Targets:"
echo "  execute throughput >= 50% of baseline: $(pass "$(awk -v a="$s_exec_rps" -v b="$b_exec_rps" 'BEGIN { print (2 * a >= b) ? 1 : 0 }')")"
echo "  idle RSS < 30 MB: $(pass "$(awk -v kb="$idle_kb" 'BEGIN { print (kb < 30 * 1024) ? 1 : 0 }')")"
echo "  zero errors: $(pass "$(( s_list_err + s_exec_err == 0 ? 1 : 0 ))")"
