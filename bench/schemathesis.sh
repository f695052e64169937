#!/usr/bin/env bash
# Hostile input against the running server: schemathesis (installed from PyPI into a
# temporary virtualenv) generates requests from the server's own OpenAPI document
# and checks every answer: no 5xx, every status, header and body as the document
# says.
#
#   bash bench/schemathesis.sh            # 50 examples per operation
#   MAX_EXAMPLES=200 bash bench/schemathesis.sh
#   PYTHON=python3.13 bash bench/schemathesis.sh
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

# Generating the execute operation's input (every block's input schema, some of them
# recursive) nests deep enough to hit a CPython bug, gh-106905: hypothesis stops with
# "SystemError: AST constructor recursion depth mismatch" on 3.11 before 3.11.8 and
# 3.12 before 3.12.2. Use $PYTHON if set, else the first interpreter without it.
fixed='import sys; v = sys.version_info[:3]; sys.exit(not ((3, 11, 8) <= v < (3, 12) or v >= (3, 12, 2)))'
pick_python() {
    if [ -n "${PYTHON:-}" ]; then
        echo "$PYTHON"
        return
    fi
    local candidates=(python3.14 python3.13 python3.12 python3)
    if command -v pyenv >/dev/null 2>&1; then
        local root
        root=$(pyenv root)
        mapfile -t -O "${#candidates[@]}" candidates < <(ls -d "$root"/versions/3.*/bin/python3 2>/dev/null | sort -rV)
    fi
    for candidate in "${candidates[@]}"; do
        if "$candidate" -c "$fixed" >/dev/null 2>&1; then
            echo "$candidate"
            return
        fi
    done
    echo "no Python 3.11.8+ or 3.12.2+ found; the execute operations may end in a runtime error" >&2
    echo python3
}
PYTHON=$(pick_python)

echo "== installing schemathesis from PyPI ($("$PYTHON" --version))" >&2
"$PYTHON" -m venv "$WORK/venv"
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

# Every check runs on every operation. Two operations get one more status that counts
# as accepting a schema-valid request (positive_data_acceptance; the rest of the list
# is schemathesis's default), because there the document cannot say which valid-looking
# requests the server will take:
# - execute_block, execute_block_stream: 422. The body's schema is `BlockInput`, any
#   one of every block's input schema, but the server checks it against the schema of
#   the block the path's {id} names, and one operation's document cannot tie a body
#   schema to a path parameter. A body that fits another block's input is valid for
#   the document and rightly refused with 422 `invalid_input`.
# - oauth_authorize, oauth_authorize_decision: 400. client_id must name a client
#   registered at run time (the fresh data directory has none; no document can list
#   them); an unknown client gets a 400 error page, never a redirect (RFC 6749
#   4.1.2.1).
cat >"$WORK/schemathesis.toml" <<'TOML'
[[operations]]
include-operation-id = ["execute_block", "execute_block_stream"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "422", "429", "5xx"]

[[operations]]
include-operation-id = ["oauth_authorize", "oauth_authorize_decision"]
checks.positive_data_acceptance.expected-statuses = ["2xx", "3xx", "400", "401", "403", "404", "409", "429", "5xx"]
TOML

echo "== schemathesis: $MAX_EXAMPLES examples per operation" >&2
status=0
# Run from the scratch directory: schemathesis writes its cache where it runs.
(cd "$WORK" && "$WORK/venv/bin/st" --config-file "$WORK/schemathesis.toml" run "$BASE/external-api/openapi.json" \
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
