//! The SQLite file: opening, checking and migrating it, its rows, and the one write path.
//! Everything written goes through [`CommitFeed::write`] and a [`WriteTxn`].

pub mod actions;
pub mod bulk;
pub mod catch_up;
pub mod check;
mod conn;
mod feed;
pub mod handover;
pub mod ingest;
mod open;
mod pool;
pub mod rows;
pub mod senders;
pub mod silences;
pub mod team;
pub mod team_dump;
pub mod timers;
mod write;

pub(crate) use conn::sealed::Raw;
pub use conn::{Conn, Handle};
pub use feed::{CommitFeed, CommitWatch};
pub use open::{
    checkpoint, connect, connect_read_only, data_version, default_path, ensure_ours, file_identity,
    in_memory, make_durable, prepare, quick_check, resolve_path, schema_version,
    tune_for_streaming, what_is_there, Access, Check, FileIdentity, Prepared, APPLICATION_ID,
    BUSY_WAIT,
};
pub use pool::{Lent, Pool};
pub use team::bind_team_file;
pub use write::{team_file, NewEvent, WriteTxn};
