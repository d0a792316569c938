#!/usr/bin/env bash
# Measures Eventdesk's memory with its window open on a 100,000-event database: resident (RSS)
# and proportional (PSS, shared pages split fairly) memory of every process of the app (the
# program and its WebKit web and network processes), 15 s after start, under Xvfb.
# Usage: bash scripts/memory.sh [binary]   (default: target/release/eventdesk)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/release/eventdesk}
events=${EVENTDESK_MEMORY_EVENTS:-100000}
dir=$(mktemp -d)
# The app, its WebKit processes and Xvfb run in a process group of their own, ended together.
trap 'kill -- "-$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
cargo build --release --locked -p eventdesk-cli >&2
target/release/eventdesk-cli seed --db "$dir/eventdesk.db" --events "$events" --seed 1 >/dev/null
EVENTDESK_DB="$dir/eventdesk.db" XDG_DATA_HOME="$dir/xdg" XDG_CONFIG_HOME="$dir/xdg" \
  XDG_CACHE_HOME="$dir/xdg" LANG=en_US.UTF-8 EVENTDESK_SIM_RATE=2 \
  setsid xvfb-run -a -s "-screen 0 1280x800x24" "$bin" >"$dir/app.log" 2>&1 &
pid=$!
sleep 15
app=$(pgrep -s "$pid" -x eventdesk)
# The program and every process below it.
tree() { echo "$1"; for c in $(pgrep -P "$1"); do tree "$c"; done; }
printf '| process | RSS (MiB) | PSS (MiB) |\n| --- | --- | --- |\n'
total_rss=0 total_pss=0
for p in $(tree "$app"); do
  name=$(tr '\0' ' ' <"/proc/$p/cmdline" | awk '{print $1}' | xargs basename)
  rss=$(awk '/^Rss:/ {print $2}' "/proc/$p/smaps_rollup")
  pss=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup")
  total_rss=$((total_rss + rss)) total_pss=$((total_pss + pss))
  awk -v n="$name" -v r="$rss" -v p="$pss" 'BEGIN { printf "| %s | %.1f | %.1f |\n", n, r / 1024, p / 1024 }'
done
awk -v e="$events" -v r="$total_rss" -v p="$total_pss" \
  'BEGIN { printf "| **all processes, %s events** | %.1f | %.1f |\n", e, r / 1024, p / 1024 }'
