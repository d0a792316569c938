#!/usr/bin/env bash
# Builds Eventdesk and opens it. `--debug` builds faster and runs a debug binary.
# Uses EVENTDESK_DB and the EVENTDESK_SIM* variables if set (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
if [ "${1:-}" = "--debug" ]; then
  npx tauri build --debug --no-bundle
  exec target/debug/eventdesk
fi
npx tauri build --no-bundle
exec target/release/eventdesk
