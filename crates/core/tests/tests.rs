//! Core integration tests: one binary, modules by topic, each against a temp-dir database.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

mod support;

mod actions;
mod db;
mod decoders;
mod desktop;
mod docs;
mod fuzz;
mod handover;
mod hardening;
mod ingest;
mod notes;
mod oracle;
mod paging;
mod push;
mod seeding;
mod senders;
mod simulator;
mod team;
mod timers;
mod views;
mod writes;
