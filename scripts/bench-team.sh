#!/usr/bin/env bash
# Team desks: a new desk replaying a team stream into an empty file, and another desk's action
# from publish to committed here, each beside a floor measured in the same run (see
# crates/sources/benches/team.rs). Starts a private RabbitMQ node and stops it at the end.
# EVENTDESK_BENCH_MESSAGES changes the replay's size.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/rabbitmq.sh start)"
trap 'bash scripts/rabbitmq.sh stop "$EVENTDESK_TEST_RABBITMQ"' EXIT
cargo bench --locked -p eventdesk-sources --bench team
