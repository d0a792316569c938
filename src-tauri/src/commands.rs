//! The IPC commands. Each is a one-line adapter over `eventdesk_core::Store`; their names are
//! part of the contract with the UI and with other tools.

use crate::state::{AppState, SIMULATOR_SETTINGS};
use eventdesk_core::{
    Action, BulkOutcome, CatchUp, Error, Event, EventDetail, EventQuery, Page, SimConfig,
    SimulatorStatus, Target,
};
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

/// Acknowledges an event as the operator. `Conflict` when it changed since `expected_version`.
#[tauri::command]
#[specta::specta]
pub async fn acknowledge_event(
    state: State<'_, AppState>,
    id: i64,
    expected_version: i64,
) -> Result<Event, Error> {
    state
        .store()?
        .act(id, expected_version, Action::Acknowledge)
}

/// Reopens a completed event as the operator. `Conflict` when it changed since `expected_version`.
#[tauri::command]
#[specta::specta]
pub async fn reopen_event(
    state: State<'_, AppState>,
    id: i64,
    expected_version: i64,
) -> Result<Event, Error> {
    state.store()?.act(id, expected_version, Action::Reopen)
}

/// Applies one action to many events in one transaction; one outcome per event.
#[tauri::command]
#[specta::specta]
pub async fn bulk_action(
    state: State<'_, AppState>,
    targets: Vec<Target>,
    action: Action,
) -> Result<Vec<BulkOutcome>, Error> {
    state.store()?.bulk(&targets, action)
}

/// Everything changed after `since`, for a window that missed pushes.
#[tauri::command]
#[specta::specta]
pub async fn changes_since(state: State<'_, AppState>, since: i64) -> Result<CatchUp, Error> {
    state.store()?.changes_since(since)
}

/// The simulator's settings and how many changes it made.
#[tauri::command]
#[specta::specta]
pub async fn simulator_status(state: State<'_, AppState>) -> Result<SimulatorStatus, Error> {
    Ok(state.simulator()?.status())
}

/// Validates, persists and applies new simulator settings.
#[tauri::command]
#[specta::specta]
pub async fn set_simulator(
    state: State<'_, AppState>,
    settings: SimConfig,
) -> Result<SimulatorStatus, Error> {
    settings.validate()?;
    state.store()?.save_setting(SIMULATOR_SETTINGS, &settings)?;
    state.simulator()?.update(settings)
}

/// The kinds and sources present, for the filter menus.
#[tauri::command]
#[specta::specta]
pub async fn list_facets(
    state: State<'_, AppState>,
) -> Result<eventdesk_core::query::Facets, Error> {
    state.store()?.facets()
}
