#!/usr/bin/env bash
# The benchmarks, each step beside a floor measured in the same run, ending with one table of
# the steps an operator waits for (issue 30's table: seeding, ingest, search as you type, start,
# paging, list_events, the core's views, the simulator, one change, memory).
#   core    the core on a seeded database (crates/core/benches/queries.rs; criterion
#           underneath, its own detailed table first)
#   ingest  a RabbitMQ stream and the HTTP endpoint (scripts/bench-ingest.sh)
#   window  the release app in a real window under Xvfb (scripts/bench-window.sh)
# Usage: bash scripts/bench.sh [core] [ingest] [window]   (all three when none is named)
# EVENTDESK_BENCH_EVENTS sets the database size (default 1000000).
set -euo pipefail
cd "$(dirname "$0")/.."
parts=("$@")
[ ${#parts[@]} -gt 0 ] || parts=(core ingest window)
mkdir -p target/bench
for part in "${parts[@]}"; do
  rm -f "target/bench/$part.json"
  case "$part" in
    core)
      cargo bench --locked -p eventdesk-core --bench queries -- --noplot >&2
      node scripts/bench-table.mjs target/criterion
      ;;
    ingest) bash scripts/bench-ingest.sh ;;
    window) EVENTDESK_BENCH_SUMMARY="$PWD/target/bench/window.json" bash scripts/bench-window.sh ;;
    *)
      echo "unknown part: $part (core, ingest or window)" >&2
      exit 2
      ;;
  esac
done
node scripts/bench-table.mjs --summary target/bench
