//! Events pushed from Rust to the UI.

use eventdesk_core::{ChangeSet, Error};
use serde::{Deserialize, Serialize};
use specta::Type;

/// Committed changes: every event changed in a `seq` range, as it is now. The UI applies them
/// in place and, when `fromSeq` does not follow the last `seq` it applied, reloads.
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct EventsChanged(pub ChangeSet);

/// How far the running export is: `rows` written of `total`. Sent at most ten times a second,
/// and once at the start and at the end.
#[derive(Debug, Clone, Copy, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct ExportProgress {
    pub rows: i64,
    pub total: i64,
}

/// A problem with the database found while the app runs (its pages do not hold together):
/// writes have stopped. The window shows it where the operator looks.
#[derive(Debug, Clone, Serialize, Type, tauri_specta::Event)]
pub struct StorageProblem {
    pub error: Error,
}

/// Team mode's state (this desk's replica, the desks heard): sent when it changes, at most
/// four times a second.
#[derive(Debug, Clone, Serialize, Type, tauri_specta::Event)]
pub struct TeamChanged(pub crate::team::TeamStatus);

/// The sources' state (the HTTP endpoint, each queue): sent when it changes, at most four
/// times a second.
#[derive(Debug, Clone, Serialize, Type, tauri_specta::Event)]
pub struct SourcesChanged(pub crate::sources::SourcesStatus);
