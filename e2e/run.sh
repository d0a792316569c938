#!/usr/bin/env bash
# Runs the end-to-end scenarios against target/debug/eventdesk under a virtual X display.
# Prints a closing line "e2e: N passed, N failed". Artifacts of failures go to e2e/artifacts/.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p e2e/artifacts
report=e2e/artifacts/report.tap
# A private D-Bus session, as a desktop has: single-instance hand-over, the tray and
# notifications use it. Without dbus-run-session the scenario that needs it is skipped.
session=()
command -v dbus-run-session >/dev/null && session=(dbus-run-session --)
"${session[@]}" xvfb-run -a -s "-screen 0 1280x800x24" \
  node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$report" \
  e2e/scenarios.test.mjs
status=$?
passed=$(sed -n 's/^# pass \([0-9]*\)$/\1/p' "$report" | tail -1)
failed=$(sed -n 's/^# fail \([0-9]*\)$/\1/p' "$report" | tail -1)
echo "e2e: ${passed:-0} passed, ${failed:-0} failed"
[ "$status" -eq 0 ] && [ "${passed:-0}" -gt 0 ]
