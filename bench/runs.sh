#!/usr/bin/env bash
# The run engine on the embedded storage: 10,000 queued runs of a trivial block
# through enqueue -> claim -> run -> record (runs/s), then the queue latency of runs
# queued at a steady rate (p50 / p99). Settings: RUNS, RATE, SECONDS.
#
#   bash bench/runs.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --locked -p block-server --bench runs
