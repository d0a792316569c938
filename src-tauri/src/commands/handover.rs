//! "Since you left": what changed while the operator was away, and marking it read.

use super::blocking;
use crate::state::AppState;
use eventdesk_core::db::handover::HandoverView;
use eventdesk_core::{Actor, Error};
use tauri::State;

/// Who reads the summary: this desk's operator (on a team desk, its broker user).
fn me(s: &AppState) -> Actor {
    s.team().map_or(Actor::User, |t| {
        Actor::Operator(t.config().operator().to_owned())
    })
}

/// What changed since `since` (Unix ms) or, without it, since the operator last looked here
/// (nothing the first time), with when that was.
#[tauri::command]
#[specta::specta]
pub async fn handover(
    state: State<'_, AppState>,
    since: Option<i64>,
) -> Result<HandoverView, Error> {
    blocking(state, move |s| s.store()?.handover_view(since, &me(s))).await
}

/// Remembers that the operator has read the summary (now); returns that time.
#[tauri::command]
#[specta::specta]
pub async fn handover_seen(state: State<'_, AppState>) -> Result<i64, Error> {
    blocking(state, |s| s.store()?.handover_seen()).await
}
