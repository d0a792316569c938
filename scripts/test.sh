#!/usr/bin/env bash
# Runs every check and test: formatting, lints, types, Rust tests (core, sources, tool and
# shell, including the bindings freshness check), UI tests, then the end-to-end scenarios in a
# real window under Xvfb. Installs what it needs first (a private RabbitMQ node included,
# started here and stopped at the end). Touches no real user data.
set -euo pipefail
cd "$(dirname "$0")/.."
started=$(date +%s)
stage() { printf '\n== %s (%ss)\n' "$1" "$(($(date +%s) - started))"; }

stage "setup"
bash scripts/setup.sh --e2e

scratch=$(mktemp -d)
EVENTDESK_TEST_RABBITMQ=""
cleanup() {
  [ -n "$EVENTDESK_TEST_RABBITMQ" ] && bash scripts/rabbitmq.sh stop "$EVENTDESK_TEST_RABBITMQ"
  rm -rf "$scratch"
}
trap cleanup EXIT
export XDG_DATA_HOME="$scratch/xdg" XDG_CONFIG_HOME="$scratch/xdg-config" EVENTDESK_DB="$scratch/unused.db"
# Secrets stay in memory: never the operator's credential store.
export EVENTDESK_SECRETS=session

stage "RabbitMQ (a private node for the tests)"
eval "$(bash scripts/rabbitmq.sh start)"

stage "format and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
npm run --silent lint
npm run --silent typecheck
if cargo tree -p eventdesk-core --locked | grep -qE 'tauri|lapin|axum|tokio'; then
  echo "eventdesk-core must not depend on tauri or network code" >&2
  exit 1
fi

stage "rust tests"
cargo test --workspace --locked

stage "ui tests"
npx vitest run

stage "build the app and its .deb for end-to-end tests"
# A debug build with the frontend embedded, bundled as a .deb (the binary stays in target/debug).
rm -rf target/debug/bundle/deb
npx tauri build --debug --bundles deb
cargo build --locked -p eventdesk-cli

stage "end-to-end"
e2e_started=$(date +%s)
bash e2e/run.sh
echo "end-to-end stage: $(($(date +%s) - e2e_started)) s"

stage "installer smoke check (unpacked .deb)"
bash e2e/smoke.sh target/debug/bundle/deb/*.deb
echo "all tests: $(($(date +%s) - started)) s"
