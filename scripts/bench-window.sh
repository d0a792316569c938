#!/usr/bin/env bash
# The window benchmark: builds the release app, seeds a database of 1,000,000 events (or
# EVENTDESK_BENCH_EVENTS), opens the real window under Xvfb at 1280×800 inside a private D-Bus
# session, drives it through WebDriver with the simulator at 100 changes/s
# (EVENTDESK_BENCH_RATE) and prints one table of timings taken inside the page, then the memory
# of the app's processes next to a bare WebKitGTK window with a static 50-row table measured in
# the same run. Needs the e2e tools (bash scripts/setup.sh --e2e).
# Usage: bash scripts/bench-window.sh [--no-build]
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "${1:-}" != "--no-build" ]; then
  npx tauri build --no-bundle >&2
  cargo build --release --locked -p eventdesk-cli >&2
fi
events=${EVENTDESK_BENCH_EVENTS:-1000000}
# Another build can be measured with EVENTDESK_E2E_APP and EVENTDESK_E2E_CLI.
export EVENTDESK_E2E_APP=${EVENTDESK_E2E_APP:-$PWD/target/release/eventdesk}
export EVENTDESK_E2E_CLI=${EVENTDESK_E2E_CLI:-$PWD/target/release/eventdesk-cli}
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$EVENTDESK_E2E_CLI" seed --db "$dir/seeded.db" --events "$events" --seed 1 >/dev/null
dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24" node e2e/bench-window.mjs "$dir/seeded.db"
