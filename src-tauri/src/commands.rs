//! The IPC commands. Each is a one-line adapter over `eventdesk_core::Store`; their names are
//! part of the contract with the UI and with other tools.

use crate::state::AppState;
use eventdesk_core::{Error, Event, EventDetail, EventQuery, Page};
use tauri::State;

/// One page of events, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_events(state: State<'_, AppState>, query: EventQuery) -> Result<Page, Error> {
    state.store()?.list_events(&query)
}

/// An event and its change history, oldest first.
#[tauri::command]
#[specta::specta]
pub async fn get_event(state: State<'_, AppState>, id: i64) -> Result<EventDetail, Error> {
    state.store()?.get_event(id)
}

/// Completes an event as the operator. `Conflict` when it changed since `expected_version`.
#[tauri::command]
#[specta::specta]
pub async fn complete_event(
    state: State<'_, AppState>,
    id: i64,
    expected_version: i64,
) -> Result<Event, Error> {
    state.store()?.complete_event(id, expected_version)
}
