#!/usr/bin/env bash
# How fast events come in: a RabbitMQ stream read into a database of 1,000,000 events, and the
# HTTP endpoint under 8 concurrent senders, each beside a floor measured in the same run (see
# crates/sources/benches/ingest.rs). Starts a private RabbitMQ node and stops it at the end.
# EVENTDESK_BENCH_EVENTS and EVENTDESK_BENCH_MESSAGES change the sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(bash scripts/rabbitmq.sh start)"
trap 'bash scripts/rabbitmq.sh stop "$EVENTDESK_TEST_RABBITMQ"' EXIT
cargo bench --locked -p eventdesk-sources --bench ingest
