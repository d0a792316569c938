//! The SQLite file: opening, checking and migrating it, its rows, and the one write path.
//! Everything written goes through [`CommitFeed::write`] and a [`WriteTxn`].

pub mod actions;
pub mod catch_up;
mod feed;
mod open;
pub mod rows;
mod write;

pub use feed::CommitFeed;
pub use open::{connect, default_path, in_memory, prepare, resolve_path, APPLICATION_ID};
pub use write::{NewEvent, WriteTxn};
