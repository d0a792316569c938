//! The ways events come into Eventdesk from outside, each applying what it receives through
//! an [`Ingester`](eventdesk_core::services::ingest::Ingester) (the one write path, in
//! batches):
//!
//! - [`amqp`]: RabbitMQ stream queues (exactly once, from the offset stored with the changes)
//!   and classic or quorum queues (acknowledged after the commit; redeliveries recognised);
//! - [`desk`]: a desk's own ways in as the window runs them (set up, changed, their state);
//! - [`gateway`]: what the gateway and a team desk's endpoint publish to a team's stream;
//! - [`http`]: a loopback endpoint speaking PagerDuty's Events API v2 and Alertmanager's
//!   webhook, behind a token;
//! - [`lines`]: newline-delimited JSON messages on standard input (or any reader);
//! - [`startup`]: a desk as it starts (database, team mode, simulator, sources);
//! - [`team`]: a team desk, whose file is a replica of the team's stream and whose actions go
//!   through it;
//! - [`timers`]: the desk's acknowledgement timeouts and expiry, as they come.
//!
//! What a message means (formats, rules) is in `eventdesk_core::services::ingest`; this crate
//! holds only the network and stream code, so that the core builds without it.

pub mod amqp;
pub mod desk;
pub mod gateway;
pub mod http;
pub mod lines;
pub mod startup;
pub mod team;
pub mod timers;
