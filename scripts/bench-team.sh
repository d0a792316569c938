#!/usr/bin/env bash
# Team desks: a new desk catching up on a team stream into an empty file (peak memory too), the
# gateway's requests answered after the confirm, and another desk's action from publish to
# committed here while events flow through the gateway, each beside a floor measured in the same
# run (see crates/sources/benches/team.rs). Starts a private RabbitMQ node and stops it at the
# end. EVENTDESK_BENCH_MESSAGES changes the catch-up's size (1,000,000);
# EVENTDESK_BENCH_ONLY=catch-up or gateway runs one part.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/rabbitmq.sh start)"
trap 'bash scripts/rabbitmq.sh stop "$EVENTDESK_TEST_RABBITMQ"' EXIT
cargo bench --locked -p eventdesk-sources --bench team
