//! The IPC commands. Each is a one-line adapter over `eventdesk_core::Store`; their names are
//! part of the contract with the UI and with other tools.

use crate::pushed::ExportProgress;
use crate::state::{About, AppState};
use eventdesk_core::services::activity::Minute;
use eventdesk_core::{
    Action, AppSettings, BulkOutcome, CatchUp, Error, Event, EventDetail, EventQuery, ExportFormat,
    ExportOutcome, Page, SimConfig, SimulatorStatus, Target,
};
use std::time::{Duration, Instant};
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
    state.apply_simulator(settings)
}

/// The kinds and sources present, for the filter menus.
#[tauri::command]
#[specta::specta]
pub async fn list_facets(
    state: State<'_, AppState>,
) -> Result<eventdesk_core::read::query::Facets, Error> {
    state.store()?.facets()
}

/// The operator's preferences (defaults until first saved).
#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, AppState>) -> Result<AppSettings, Error> {
    state.store()?;
    Ok(state.settings())
}

/// Validates, persists and applies new preferences; returns them as saved.
#[tauri::command]
#[specta::specta]
pub async fn save_settings(
    state: State<'_, AppState>,
    settings: AppSettings,
) -> Result<AppSettings, Error> {
    state.save_settings(settings)
}

/// Events created per minute by severity over the last hour, oldest minute first.
#[tauri::command]
#[specta::specta]
pub async fn activity(state: State<'_, AppState>) -> Result<Vec<Minute>, Error> {
    state.store()?.activity()
}

/// Writes the view of `query` (filters, search and sort; paging ignored) to `path`, streamed
/// on a thread of its own, reporting [`ExportProgress`]. One export at a time.
#[tauri::command]
#[specta::specta]
pub async fn export_view(
    state: State<'_, AppState>,
    query: EventQuery,
    format: ExportFormat,
    path: String,
) -> Result<ExportOutcome, Error> {
    let store = state.shared_store()?;
    let (_slot, cancel) = state.begin_export()?;
    let progress = state.progress();
    let job = tauri::async_runtime::spawn_blocking(move || {
        let mut last: Option<Instant> = None;
        store.export(
            &query.filter,
            query.sort,
            format,
            std::path::Path::new(&path),
            &cancel,
            |rows, total| {
                let due = last.is_none_or(|t| t.elapsed() >= Duration::from_millis(100));
                if due || rows == total {
                    progress(ExportProgress { rows, total });
                    last = Some(Instant::now());
                }
            },
        )
    });
    job.await
        .map_err(|e| Error::storage(format!("the export stopped unexpectedly: {e}")))?
}

/// Stops the running export; its partial file is removed. `false` if none was running.
#[tauri::command]
#[specta::specta]
pub async fn cancel_export(state: State<'_, AppState>) -> Result<bool, Error> {
    Ok(state.cancel_export())
}

/// Version, identifier, database and log locations, for the About panel.
#[tauri::command]
#[specta::specta]
pub async fn about(state: State<'_, AppState>) -> Result<About, Error> {
    Ok(state.about().clone())
}

/// Opens the log folder in the system's file manager.
#[tauri::command]
#[specta::specta]
pub async fn open_log_folder(state: State<'_, AppState>) -> Result<(), Error> {
    let dir = &state.about().log_dir;
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::storage(format!("cannot create the log folder {dir}: {e}")))?;
    tauri_plugin_opener::open_path(dir, None::<&str>)
        .map_err(|e| Error::storage(format!("cannot open the log folder {dir}: {e}")))
}
