//! Events pushed from Rust to the UI.

use eventdesk_core::ChangeSet;
use serde::{Deserialize, Serialize};
use specta::Type;

/// Committed changes: every event changed in a `seq` range, as it is now. The UI applies them
/// in place and, when `fromSeq` does not follow the last `seq` it applied, reloads.
#[derive(Debug, Clone, Serialize, Deserialize, Type, tauri_specta::Event)]
pub struct EventsChanged(pub ChangeSet);
