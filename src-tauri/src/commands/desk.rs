//! The commands of the desk's connections: team mode and the sources (the HTTP endpoint, the
//! queues). Adapters like the others ([`super::blocking`]).

use super::blocking;
use crate::sources::SourcesStatus;
use crate::state::AppState;
use crate::team::{TeamJoin, TeamSetup, TeamStatus};
use eventdesk_core::services::ingest::groups::DedupGroups;
use eventdesk_core::services::ingest::Format;
use eventdesk_core::Error;
use eventdesk_sources::amqp::QueueKind;
use tauri::State;

/// Team mode: the team's stream, who this desk is, and its replica's state (`None` when the
/// desk works alone).
#[tauri::command]
#[specta::specta]
pub async fn team_status(state: State<'_, AppState>) -> Result<Option<TeamStatus>, Error> {
    blocking(state, |s| {
        s.team().map(crate::team::Team::status).transpose()
    })
    .await
}

/// The team this desk joins at its next start, as saved (without the password).
#[tauri::command]
#[specta::specta]
pub async fn team_setup(state: State<'_, AppState>) -> Result<Option<TeamSetup>, Error> {
    blocking(state, |s| s.team_setup()).await
}

/// Saves the team to join at the next start, or with `null` forgets it; validated first.
#[tauri::command]
#[specta::specta]
pub async fn set_team(
    state: State<'_, AppState>,
    setup: Option<TeamJoin>,
) -> Result<Option<TeamSetup>, Error> {
    blocking(state, move |s| s.set_team(setup)).await
}

/// The sources' state: the HTTP endpoint and each queue read.
#[tauri::command]
#[specta::specta]
pub async fn sources_status(state: State<'_, AppState>) -> Result<SourcesStatus, Error> {
    Ok(state.sources()?.status())
}

/// Turns the loopback HTTP endpoint on or off, on `port`; saved.
#[tauri::command]
#[specta::specta]
pub async fn set_http_endpoint(
    state: State<'_, AppState>,
    enabled: bool,
    port: u16,
) -> Result<SourcesStatus, Error> {
    state.sources()?.set_http(enabled, port).await
}

/// The endpoint's token, for the operator to give to senders.
#[tauri::command]
#[specta::specta]
pub async fn http_token(state: State<'_, AppState>) -> Result<String, Error> {
    blocking(state, |s| s.sources()?.token()).await
}

/// Replaces the endpoint's token; the old one stops working at once.
#[tauri::command]
#[specta::specta]
pub async fn new_http_token(state: State<'_, AppState>) -> Result<String, Error> {
    state.sources()?.new_token().await
}

/// Starts reading a RabbitMQ queue or stream; saved (the URL in the credential store).
#[tauri::command]
#[specta::specta]
pub async fn add_queue_source(
    state: State<'_, AppState>,
    url: String,
    queue: String,
    kind: QueueKind,
    format: Format,
) -> Result<SourcesStatus, Error> {
    blocking(state, move |s| {
        s.sources()?.add_queue(url, queue, kind, format)
    })
    .await
}

/// Changes a queue: a new URL (`null` keeps it), the messages' format, paused or not.
#[tauri::command]
#[specta::specta]
pub async fn change_queue_source(
    state: State<'_, AppState>,
    id: String,
    url: Option<String>,
    format: Format,
    paused: bool,
) -> Result<SourcesStatus, Error> {
    blocking(state, move |s| {
        s.sources()?.change_queue(&id, url, format, paused)
    })
    .await
}

/// Stops reading a queue and forgets it.
#[tauri::command]
#[specta::specta]
pub async fn remove_queue_source(
    state: State<'_, AppState>,
    id: String,
) -> Result<SourcesStatus, Error> {
    blocking(state, move |s| s.sources()?.remove_queue(&id)).await
}

/// The sources whose dedup keys are shared (none: each key belongs to its own source).
#[tauri::command]
#[specta::specta]
pub async fn dedup_groups(state: State<'_, AppState>) -> Result<DedupGroups, Error> {
    blocking(state, |s| DedupGroups::load(s.store()?)).await
}

/// Replaces the groups of sources that share dedup keys; validated first, nothing saved on a
/// refusal. Returns them as saved.
#[tauri::command]
#[specta::specta]
pub async fn set_dedup_groups(
    state: State<'_, AppState>,
    groups: DedupGroups,
) -> Result<DedupGroups, Error> {
    blocking(state, move |s| groups.save(s.store()?)).await
}
