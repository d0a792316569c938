#!/usr/bin/env bash
# Runs the end-to-end scenarios against target/debug/eventdesk under a virtual X display, inside
# a private D-Bus session as a desktop has (single-instance hand-over, the tray and notifications
# use it). Prints a closing line "e2e: N passed, N failed, N skipped" and fails when any scenario
# failed or was skipped, or none ran. Artifacts of failures go to e2e/artifacts/.
set -uo pipefail
cd "$(dirname "$0")/.."
mkdir -p e2e/artifacts
report=e2e/artifacts/report.tap
for tool in dbus-run-session xvfb-run; do
  command -v "$tool" >/dev/null || { echo "e2e: $tool is missing (scripts/setup.sh --e2e installs it)" >&2; exit 1; }
done
# The scenarios by topic (or the files named on the command line).
files=("$@")
[ "${#files[@]}" -gt 0 ] || files=(e2e/table.test.mjs e2e/app.test.mjs e2e/sources.test.mjs e2e/silences.test.mjs e2e/triage.test.mjs e2e/team.test.mjs e2e/layout.test.mjs)
dbus-run-session -- xvfb-run -a -s "-screen 0 1920x1080x24" \
  node --test --test-concurrency=1 \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=tap --test-reporter-destination="$report" \
  "${files[@]}"
status=$?
count() { sed -n "s/^# $1 \([0-9]*\)$/\1/p" "$report" | tail -1; }
passed=$(count pass) failed=$(count fail) skipped=$(count skipped) todo=$(count todo)
echo "e2e: ${passed:-0} passed, ${failed:-0} failed, $((${skipped:-0} + ${todo:-0})) skipped"
[ "$status" -eq 0 ] && [ "${passed:-0}" -gt 0 ] && [ "${skipped:-0}" -eq 0 ] && [ "${todo:-0}" -eq 0 ]
