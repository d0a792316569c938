#!/usr/bin/env bash
# Runs every check and test: formatting, lints, types, Rust tests (core, sources, tool and
# shell, including the bindings freshness check), UI tests, then the end-to-end scenarios in a
# real window under Xvfb. Installs what it needs first (a private RabbitMQ node included,
# started here and stopped at the end). Touches no real user data.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
# Each phase's wall time, printed as a table when the run ends (whether it passed or not).
phases=() phase="" phase_started=$started
stage() {
  local now
  now=$(date +%s)
  [ -n "$phase" ] && phases+=("$phase|$((now - phase_started))")
  phase=$1 phase_started=$now
  printf '\n== %s (%ss)\n' "$1" "$((now - started))"
}
phase_table() {
  [ -n "$phase" ] && phases+=("$phase|$(($(date +%s) - phase_started))")
  printf '\n| phase | seconds |\n| --- | ---: |\n'
  local p
  for p in "${phases[@]}"; do printf '| %s | %s |\n' "${p%|*}" "${p##*|}"; done
  printf '| all | %s |\n' "$(($(date +%s) - started))"
}

stage "setup"
bash scripts/setup.sh --e2e

scratch=$(mktemp -d)
EVENTDESK_TEST_RABBITMQ=""
cleanup() {
  phase_table
  [ -n "$EVENTDESK_TEST_RABBITMQ" ] && bash scripts/rabbitmq.sh stop "$EVENTDESK_TEST_RABBITMQ"
  rm -rf "$scratch"
}
trap cleanup EXIT
export XDG_DATA_HOME="$scratch/xdg" XDG_CONFIG_HOME="$scratch/xdg-config" EVENTDESK_DB="$scratch/unused.db"
# Secrets stay in memory: never the operator's credential store.
export EVENTDESK_SECRETS=session

stage "RabbitMQ (a private node for the tests)"
eval "$(bash scripts/rabbitmq.sh start)"

# The UI, built once: embedded in the binary the Rust tests build (custom-protocol), which the
# end-to-end scenarios and the .deb then use.
stage "build the UI"
npm run --silent build

stage "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
npm run --silent lint
npm run --silent format:check
npm run --silent typecheck
if cargo tree -p eventdesk-core --locked | grep -qE 'tauri|lapin|axum|tokio'; then
  echo "eventdesk-core must not depend on tauri or network code" >&2
  exit 1
fi

stage "rust tests"
# With the UI embedded, so that target/debug/eventdesk is the app itself (built once, here).
# cargo-nextest runs the test binaries side by side (.config/nextest.toml); plain cargo test
# where it is not installed.
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --features eventdesk-app/custom-protocol --no-fail-fast
else
  cargo test --workspace --locked --features eventdesk-app/custom-protocol
fi

stage "ui tests"
npx vitest run

stage "bundle the app as a .deb for end-to-end tests"
# The debug binary the Rust tests built (UI embedded), bundled as it is: nothing is compiled again.
rm -rf target/debug/bundle/deb
npx tauri bundle --debug --bundles deb --features custom-protocol
# The tool the scenarios drive was built with the workspace's features by the Rust tests (its
# own tests run it); building it alone would resolve features anew and compile again (~100 s).
[ -x target/debug/eventdesk-cli ] || cargo build --workspace --locked --features eventdesk-app/custom-protocol --bin eventdesk-cli

stage "end-to-end"
e2e_started=$(date +%s)
bash e2e/run.sh
echo "end-to-end stage: $(($(date +%s) - e2e_started)) s"

stage "installer smoke check (unpacked .deb)"
bash e2e/smoke.sh target/debug/bundle/deb/*.deb
echo "all tests passed: $(($(date +%s) - started)) s"
