#!/usr/bin/env bash
# Benchmarks the core on a seeded database and prints a table (criterion underneath).
# EVENTDESK_BENCH_EVENTS sets the database size (default 1000000).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo bench --locked -p eventdesk-core --bench queries -- --noplot "$@" >&2
node scripts/bench-table.mjs target/criterion
