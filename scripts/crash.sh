#!/usr/bin/env bash
# Kills a writer with SIGKILL at random moments while it makes 1,000 changes/s, again and again
# on the same database, and checks after each kill that nothing is lost or half-written:
# `eventdesk-cli check` (integrity_check, the counts table against COUNT(*) by status and
# severity, no gaps in seq, every event's version equal to its number of changes, no change
# dated before its event or going backwards), and every change the writer reported committed
# is in the file. Not part of the test command; it takes about two minutes.
#   bash scripts/crash.sh [ROUNDS] (default 30)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-30}
cargo build --release --locked -p eventdesk-cli >&2
cli=target/release/eventdesk-cli
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
db="$dir/crash.db"
"$cli" seed --db "$db" --events 20000 --seed 1 >/dev/null
for round in $(seq 1 "$rounds"); do
  log="$dir/round-$round.log"
  "$cli" run --db "$db" --rate 1000 --seconds 60 --seed "$round" >"$log" 2>&1 &
  pid=$!
  # Somewhere between 0.3 and 3 s in: during a batch, a commit or a checkpoint.
  sleep "$(awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.3 + (r % 2700) / 1000 }')"
  kill -9 "$pid"
  wait "$pid" 2>/dev/null || true
  reported=$(sed -n 's/^committed through seq \([0-9]*\)$/\1/p' "$log" | tail -1)
  report=$("$cli" check --db "$db") || { echo "round $round: check failed: $report" >&2; exit 1; }
  last=$(sed -n 's/.*"lastSeq":\([0-9]*\).*/\1/p' <<<"$report")
  if [ -n "$reported" ] && [ "$last" -lt "$reported" ]; then
    echo "round $round: the writer reported seq $reported committed, the file ends at $last" >&2
    exit 1
  fi
  echo "round $round: killed after seq ${reported:-none} reported; file ends at $last; $report"
done
echo "crash: $rounds rounds, no loss, no half-written change"
