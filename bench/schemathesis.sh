#!/usr/bin/env bash
# Hostile input against the running server: schemathesis (installed from PyPI into a
# temporary virtualenv) generates requests from the server's own OpenAPI document
# and checks every answer: no 5xx, every status, header and body as the document
# says.
#
#   bash bench/schemathesis.sh            # 50 examples per operation
#   MAX_EXAMPLES=200 bash bench/schemathesis.sh
#
# The server runs in release mode on 127.0.0.1 with a fresh data directory, no rate
# limit, and the first start's key (every scope). Only 127.0.0.1 is ever called.
set -euo pipefail
cd "$(dirname "$0")/.."

MAX_EXAMPLES=${MAX_EXAMPLES:-50}
PORT=${SERVER_PORT:-18741}
TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target}
export CARGO_TARGET_DIR=$TARGET_DIR

WORK=$(mktemp -d /tmp/schemathesis.XXXXXX)
SERVER_PID=
cleanup() {
    [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null || true
    wait 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT

echo "== installing schemathesis from PyPI" >&2
python3 -m venv "$WORK/venv"
# Pinned so that runs compare; newer releases may find more.
"$WORK/venv/bin/pip" install -q "schemathesis==4.32.5" >&2
echo "== building the server (release)" >&2
cargo build --release --locked -p block-server >&2

export BLOCKS_RATE_LIMIT_PER_MINUTE=0 BLOCKS_STARTING_CREDITS=1000000000
"$TARGET_DIR/release/block-server" serve --addr "127.0.0.1:$PORT" --data-dir "$WORK/data" >"$WORK/server.out" 2>"$WORK/server.err" &
SERVER_PID=$!
BASE=http://127.0.0.1:$PORT
for _ in $(seq 1 600); do
    curl -sf -o /dev/null "$BASE/healthz" && break
    sleep 0.05
done
KEY=$(awk '/keep it somewhere safe/ { getline; getline; print $1; exit }' "$WORK/server.out")
[ -n "$KEY" ] || { echo "the server printed no API key" >&2; exit 1; }

echo "== schemathesis: $MAX_EXAMPLES examples per operation" >&2
status=0
# Run from the scratch directory: schemathesis writes its cache where it runs.
(cd "$WORK" && "$WORK/venv/bin/st" run "$BASE/external-api/openapi.json" \
    --header "X-API-Key: $KEY" \
    --checks all \
    --max-examples "$MAX_EXAMPLES" \
    --request-timeout 10 \
    --seed 1 \
    --workers 2) || status=$?
if grep -q "panicked" "$WORK/server.err"; then
    echo "the server logged a panic:" >&2
    grep -m 5 "panicked" "$WORK/server.err" >&2
    status=1
fi
exit "$status"
