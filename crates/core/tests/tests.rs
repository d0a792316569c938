//! Core integration tests: one binary, modules by topic, each against a temp-dir database.

mod support;

mod db;
mod paging;
mod push;
mod seeding;
mod simulator;
mod writes;
