//! The sources' tests, in one binary: the HTTP endpoint, standard input, RabbitMQ and a desk's
//! own ways in (which need a broker: `EVENTDESK_TEST_AMQP`, set by scripts/test.sh).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod amqp;
mod desk;
mod http;
mod lines;
mod support;
