//! The sources' tests, in one binary: the HTTP endpoint, standard input, RabbitMQ and a desk's
//! own ways in (which need a broker: `EVENTDESK_TEST_AMQP`, set by scripts/test.sh), and a real
//! Alertmanager feeding the endpoint (`prometheus-alertmanager`, installed by scripts/setup.sh).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod alertmanager;
mod amqp;
mod desk;
mod http;
mod lines;
mod notes;
mod support;
mod timers;
