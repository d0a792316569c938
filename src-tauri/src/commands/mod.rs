//! The IPC commands. Each is a one-line adapter over `eventdesk_core`, run on Tauri's blocking
//! thread pool ([`blocking`]): a slow read or a write waiting for another program's lock never
//! holds up another command or a push. Their names are part of the contract with the UI.

mod desk;
mod handover;
mod silences;

pub use desk::*;
pub use handover::*;
pub use silences::*;

use crate::export;
use crate::state::{About, AppState};
use eventdesk_core::read::query::Facets;
use eventdesk_core::services::activity::Minute;
use eventdesk_core::{
    Action, AppSettings, BulkOutcome, CatchUp, Error, Event, EventDetail, EventQuery, ExportFormat,
    ExportOutcome, HistoryPage, Page, SimConfig, SimulatorStatus, Target,
};
use tauri::State;

/// Runs `f` with the app's state on a blocking thread, off the async runtime's workers.
pub(crate) async fn blocking<T: Send + 'static>(
    state: State<'_, AppState>,
    f: impl FnOnce(&AppState) -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    let state = state.inner().clone();
    tauri::async_runtime::spawn_blocking(move || f(&state))
        .await
        .map_err(|e| Error::storage(format!("the command stopped unexpectedly: {e}")))?
}

/// One page of events, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_events(state: State<'_, AppState>, query: EventQuery) -> Result<Page, Error> {
    blocking(state, move |s| s.store()?.list_events(&query)).await
}

/// An event and its change history, oldest first.
#[tauri::command]
#[specta::specta]
pub async fn get_event(state: State<'_, AppState>, id: i64) -> Result<EventDetail, Error> {
    blocking(state, move |s| s.store()?.get_event(id)).await
}

/// Up to `limit` (1 to 1,000) changes of event `id` before change `before`, oldest first: the
/// timeline's earlier pages.
#[tauri::command]
#[specta::specta]
pub async fn event_history(
    state: State<'_, AppState>,
    id: i64,
    before: i64,
    limit: i64,
) -> Result<HistoryPage, Error> {
    blocking(state, move |s| s.store()?.event_history(id, before, limit)).await
}

/// Completes an event as the operator. `Conflict` when it changed since `expected_version`.
#[tauri::command]
#[specta::specta]
pub async fn complete_event(
    state: State<'_, AppState>,
    id: i64,
    expected_version: i64,
) -> Result<Event, Error> {
    blocking(state, move |s| {
        s.act(id, expected_version, Action::Complete)
    })
    .await
}

/// Acknowledges an event as the operator. `Conflict` when it changed since `expected_version`.
#[tauri::command]
#[specta::specta]
pub async fn acknowledge_event(
    state: State<'_, AppState>,
    id: i64,
    expected_version: i64,
) -> Result<Event, Error> {
    blocking(state, move |s| {
        s.act(id, expected_version, Action::Acknowledge)
    })
    .await
}

/// Reopens a completed event as the operator. `Conflict` when it changed since `expected_version`.
#[tauri::command]
#[specta::specta]
pub async fn reopen_event(
    state: State<'_, AppState>,
    id: i64,
    expected_version: i64,
) -> Result<Event, Error> {
    blocking(state, move |s| s.act(id, expected_version, Action::Reopen)).await
}

/// Applies one action to many events in one transaction; one outcome per event.
#[tauri::command]
#[specta::specta]
pub async fn bulk_action(
    state: State<'_, AppState>,
    targets: Vec<Target>,
    action: Action,
) -> Result<Vec<BulkOutcome>, Error> {
    blocking(state, move |s| s.bulk(&targets, action)).await
}

/// Snoozes events until `until` (Unix ms), or wakes them (`None`); one outcome per event.
#[tauri::command]
#[specta::specta]
pub async fn snooze_events(
    state: State<'_, AppState>,
    targets: Vec<Target>,
    until: Option<i64>,
) -> Result<Vec<BulkOutcome>, Error> {
    blocking(state, move |s| s.snooze(&targets, until)).await
}

/// Assigns events to `assignee` (`user`: this desk's operator; `operator:NAME`: a member of
/// the team), or to nobody (`None`); one outcome per event.
#[tauri::command]
#[specta::specta]
pub async fn assign_events(
    state: State<'_, AppState>,
    targets: Vec<Target>,
    assignee: Option<String>,
) -> Result<Vec<BulkOutcome>, Error> {
    blocking(state, move |s| s.assign(&targets, assignee.as_deref())).await
}

/// Leaves a note on an event as the operator (through the team's stream on a team desk).
#[tauri::command]
#[specta::specta]
pub async fn add_note(state: State<'_, AppState>, id: i64, text: String) -> Result<Event, Error> {
    blocking(state, move |s| s.note(id, &text)).await
}

/// Everything changed after `since`, for a window that missed pushes.
#[tauri::command]
#[specta::specta]
pub async fn changes_since(state: State<'_, AppState>, since: i64) -> Result<CatchUp, Error> {
    blocking(state, move |s| s.store()?.changes_since(since)).await
}

/// The simulator's settings and how many changes it made.
#[tauri::command]
#[specta::specta]
pub async fn simulator_status(state: State<'_, AppState>) -> Result<SimulatorStatus, Error> {
    blocking(state, |s| Ok(s.simulator()?.status())).await
}

/// Validates, persists and applies new simulator settings.
#[tauri::command]
#[specta::specta]
pub async fn set_simulator(
    state: State<'_, AppState>,
    settings: SimConfig,
) -> Result<SimulatorStatus, Error> {
    blocking(state, move |s| s.apply_simulator(settings)).await
}

/// The window has shown its first rows: the store's background work (the page check, the
/// columns read ahead) may start.
#[tauri::command]
#[specta::specta]
pub async fn first_rows_shown(state: State<'_, AppState>) -> Result<(), Error> {
    blocking(state, |s| {
        s.store()?.first_rows_shown();
        Ok(())
    })
    .await
}

/// The kinds and sources present, for the filter menus.
#[tauri::command]
#[specta::specta]
pub async fn list_facets(state: State<'_, AppState>) -> Result<Facets, Error> {
    blocking(state, |s| s.store()?.facets()).await
}

/// The operator's preferences (defaults until first saved).
#[tauri::command]
#[specta::specta]
pub async fn get_settings(state: State<'_, AppState>) -> Result<AppSettings, Error> {
    blocking(state, |s| {
        s.store()?;
        Ok(s.settings())
    })
    .await
}

/// Validates, persists and applies new preferences; returns them as saved.
#[tauri::command]
#[specta::specta]
pub async fn save_settings(
    state: State<'_, AppState>,
    settings: AppSettings,
) -> Result<AppSettings, Error> {
    blocking(state, move |s| s.save_settings(settings)).await
}

/// Events created per minute by severity over the last hour, oldest minute first.
#[tauri::command]
#[specta::specta]
pub async fn activity(state: State<'_, AppState>) -> Result<Vec<Minute>, Error> {
    blocking(state, |s| s.store()?.activity()).await
}

/// Asks where to save (the system's save dialog, opened from Rust: the window never names a
/// path), then writes the view of `query` (filters, search and sort; paging ignored) there,
/// reporting [`crate::pushed::ExportProgress`]. One export at a time.
#[tauri::command]
#[specta::specta]
pub async fn export_view(
    state: State<'_, AppState>,
    query: EventQuery,
    format: ExportFormat,
) -> Result<ExportOutcome, Error> {
    blocking(state, move |s| export::run(s, &query, format)).await
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

/// What the operator should know since the app started: settings that were invalid and
/// replaced by defaults, a read-only or damaged database.
#[tauri::command]
#[specta::specta]
pub async fn warnings(state: State<'_, AppState>) -> Result<Vec<String>, Error> {
    Ok(state.warnings())
}

/// Opens the log folder in the system's file manager.
#[tauri::command]
#[specta::specta]
pub async fn open_log_folder(state: State<'_, AppState>) -> Result<(), Error> {
    blocking(state, |s| {
        let dir = &s.about().log_dir;
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::storage(format!("cannot create the log folder {dir}: {e}")))?;
        tauri_plugin_opener::open_path(dir, None::<&str>)
            .map_err(|e| Error::storage(format!("cannot open the log folder {dir}: {e}")))
    })
    .await
}

/// Opens link `index` of event `id` in the browser (http and https only).
#[tauri::command]
#[specta::specta]
pub async fn open_link(state: State<'_, AppState>, id: i64, index: u32) -> Result<(), Error> {
    blocking(state, move |s| s.open_link(id, index as usize)).await
}

/// What the page shows, reported by the self-check's probe (see `self_check.rs`). Refused
/// when no self-check is running.
#[tauri::command]
#[specta::specta]
pub fn self_check_seen(
    inbox: State<'_, crate::self_check::Inbox>,
    seen: crate::self_check::Seen,
) -> Result<(), Error> {
    inbox.deliver(seen)
}

/// Quits Eventdesk (the window's Ctrl+Q; closing the window only hides it in the tray). Exits
/// as the tray's Quit does: the window's size and place are saved and the writers stopped.
#[tauri::command]
#[specta::specta]
pub fn quit_app(state: State<'_, AppState>) {
    tracing::info!("quit from the window");
    state.quit();
}
