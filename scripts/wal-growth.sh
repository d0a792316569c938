#!/usr/bin/env bash
# Measures how large the write-ahead log grows while a 1,000,000-event export runs beside the
# simulator at 1,000 changes/s (two other processes on the same file), and how long
# `PRAGMA quick_check` takes on that file. Prints the largest -wal size seen (sampled every
# 50 ms) and the size it is back to afterwards. Not part of the test command.
#   bash scripts/wal-growth.sh [EVENTS] (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/.."
events=${1:-1000000}
cargo build --release --locked -p eventdesk-cli >&2
cli=target/release/eventdesk-cli
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
db="$dir/wal.db"
"$cli" seed --db "$db" --events "$events" --seed 1 >&2
echo "quick_check at $events events: $("$cli" check --db "$db" --quick)"
"$cli" run --db "$db" --rate 1000 --seconds 600 >/dev/null &
writer=$!
largest=0
sample() {
  local size
  size=$(stat -c %s "$db-wal" 2>/dev/null || echo 0)
  ((size > largest)) && largest=$size
  return 0
}
sleep 2
"$cli" export --db "$db" --to "$dir/all.csv" --format csv >&2 &
exporter=$!
while kill -0 "$exporter" 2>/dev/null; do sample; sleep 0.05; done
wait "$exporter"
# The writer's next checkpoints bring the log back once no reader holds old pages.
for _ in $(seq 1 60); do sample; sleep 0.05; done
after=$(stat -c %s "$db-wal" 2>/dev/null || echo 0)
kill "$writer"
wait "$writer" 2>/dev/null || true
echo "largest WAL while exporting $events events beside 1,000 changes/s: $((largest / 1024 / 1024)) MiB ($largest bytes); 3 s after the export: $((after / 1024 / 1024)) MiB"
