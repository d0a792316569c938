//! The one error type. It crosses the IPC boundary as data: `{ "type": "...", "data": {...} }`.

use crate::model::Event;
use serde::Serialize;
use specta::Type;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Type)]
#[serde(
    tag = "type",
    content = "data",
    rename_all_fields = "camelCase",
    rename = "AppError"
)]
pub enum Error {
    /// No event has this id.
    #[error("event {id} does not exist")]
    NotFound { id: i64 },

    /// The event changed since the version the caller saw; `current` is how it is now.
    #[error("event {} changed since version {expected}: it is now at version {}", current.id, current.version)]
    Conflict { expected: i64, current: Box<Event> },

    /// An argument is out of range or malformed. `field` names it.
    #[error("{field}: {message}")]
    InvalidInput { field: String, message: String },

    /// The file exists but is not an Eventdesk database; it was left untouched.
    #[error("{path} is not an Eventdesk database ({reason}); it was left untouched")]
    NotEventdeskDatabase { path: String, reason: String },

    /// The file is an Eventdesk database whose pages do not hold together. Nothing is written
    /// to it from the moment this is found.
    #[error("{path} is damaged ({reason}); nothing was written to it")]
    Corrupt { path: String, reason: String },

    /// The file (or its folder) cannot be written: reads work, writes are refused.
    #[error("{path} cannot be written: {reason}")]
    ReadOnly { path: String, reason: String },

    /// Another program held the database's write lock for longer than Eventdesk waits.
    /// Nothing was written; trying again later may work.
    #[error("the database is busy: {message}")]
    Busy { message: String },

    /// A service Eventdesk reads from (a RabbitMQ broker) cannot be reached or refused the
    /// connection. Tried again with backoff where that can help.
    #[error("{what} cannot be reached: {message}")]
    Unreachable { what: String, message: String },

    /// In team mode, the team's broker has been unreachable since `since` (Unix ms): an
    /// operator's action cannot reach the other desks, so it was not sent. Reads work.
    #[error("offline: the team's broker cannot be reached ({message}); the action was not sent")]
    Offline { since: i64, message: String },

    /// The file is a team desk's replica of the team's stream `stream`: only applying that
    /// stream changes its events. Nothing was written.
    #[error("this file is a replica of the team stream {stream}: only that stream changes its events; nothing was written")]
    TeamFile { stream: String },

    /// The team refused an operator's action or an admin's change: the user RabbitMQ proved
    /// may not make it (not on the roster, a viewer), or the message proves no user. Every
    /// desk refused it alike.
    #[error("refused by the team: {message}")]
    Forbidden { message: String },

    /// The stream is not the one this team file was made from (re-created, replaced, or cut
    /// back past what the desk applied). Nothing was applied from it.
    #[error("the team stream {stream} is not the one this desk's file was made from: {message}. Start this desk on a new file (EVENTDESK_DB), or point it at the broker and stream it replicated")]
    StreamChanged { stream: String, message: String },

    /// The disk (or the database's size limit) is full. Nothing was written; freeing space
    /// and trying again works.
    #[error("the disk is full: {message}; nothing was written")]
    DiskFull { message: String },

    /// The database file was replaced (moved, deleted, restored from a copy) by another
    /// program while Eventdesk had it open. Nothing more is written to the file Eventdesk
    /// opened: its writes would be lost, or mix with the new file's. `found` says what is at
    /// the path now.
    #[error("{path} was replaced by another program while Eventdesk had it open ({found}); nothing more is written to the file Eventdesk opened: restart Eventdesk to open the one there now")]
    Replaced { path: String, found: String },

    /// SQLite or the file system failed in a way none of the above names (an I/O error, a
    /// bug). Nothing was written.
    #[error("storage error: {message}")]
    Storage { message: String },
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        Error::InvalidInput {
            field: field.to_owned(),
            message: message.into(),
        }
    }

    pub fn storage(message: impl std::fmt::Display) -> Self {
        Error::Storage {
            message: message.to_string(),
        }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked) => {
                Error::Busy {
                    message: "another program is writing to it; nothing was written".into(),
                }
            }
            Some(rusqlite::ErrorCode::DatabaseCorrupt) => Error::Corrupt {
                path: "the database".into(),
                reason: e.to_string(),
            },
            Some(rusqlite::ErrorCode::NotADatabase) => Error::NotEventdeskDatabase {
                path: "the database".into(),
                reason: e.to_string(),
            },
            Some(rusqlite::ErrorCode::DiskFull) => Error::DiskFull {
                message: e.to_string(),
            },
            Some(rusqlite::ErrorCode::ReadOnly) => Error::ReadOnly {
                path: "the database".into(),
                reason: e.to_string(),
            },
            _ => Error::storage(e),
        }
    }
}

impl From<rusqlite_migration::Error> for Error {
    fn from(e: rusqlite_migration::Error) -> Self {
        Error::storage(e)
    }
}

impl From<std::io::Error> for Error {
    fn from(e: std::io::Error) -> Self {
        Error::io("a file", &e)
    }
}

/// ENOSPC on Unix, ERROR_DISK_FULL and ERROR_HANDLE_DISK_FULL on Windows.
fn disk_full(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull
        || e.kind() == std::io::ErrorKind::QuotaExceeded
        || matches!(e.raw_os_error(), Some(28) if cfg!(unix))
        || matches!(e.raw_os_error(), Some(39 | 112) if cfg!(windows))
}

impl Error {
    /// A file system error on `path`, as what the user can do about it: a full disk, a file or
    /// folder that may not be written, or else a storage error naming the file.
    pub fn io(path: impl std::fmt::Display, e: &std::io::Error) -> Self {
        if disk_full(e) {
            Error::DiskFull {
                message: format!("cannot write {path}: {e}"),
            }
        } else if matches!(
            e.kind(),
            std::io::ErrorKind::PermissionDenied | std::io::ErrorKind::ReadOnlyFilesystem
        ) {
            Error::ReadOnly {
                path: path.to_string(),
                reason: e.to_string(),
            }
        } else {
            Error::storage(format!("{path}: {e}"))
        }
    }
}
