//! Silences: listed, previewed, made, edited and expired by the operator at this desk (in
//! team mode through the team's stream, as the broker user the desk logs in as).

use super::blocking;
use crate::state::AppState;
use eventdesk_core::model::parse_matchers;
use eventdesk_core::services::team::SilenceChange;
use eventdesk_core::{Actor, Error, Matcher, Silence, SilenceDraft};
use serde::Serialize;
use specta::Type;
use tauri::State;

/// Every silence, newest first.
#[tauri::command]
#[specta::specta]
pub async fn list_silences(state: State<'_, AppState>) -> Result<Vec<Silence>, Error> {
    blocking(state, |s| s.store()?.silences()).await
}

/// Written matchers, read, and how many events that are not completed they match now.
#[derive(Debug, Clone, Serialize, Type)]
pub struct SilencePreview {
    pub matchers: Vec<Matcher>,
    pub matches: i64,
}

/// Reads written matchers (`{source="db-7", label.team=~"db.*"}`) and counts the events that
/// are not completed they match now. `InvalidInput` says where the text is wrong.
#[tauri::command]
#[specta::specta]
pub async fn preview_silence(
    state: State<'_, AppState>,
    text: String,
) -> Result<SilencePreview, Error> {
    blocking(state, move |s| {
        if text.chars().count() > 8 * 1024 {
            return Err(Error::invalid(
                "matchers",
                "is longer than 8,192 characters",
            ));
        }
        let matchers = parse_matchers(&text)?;
        let matches = s.store()?.preview_silence(&matchers)?;
        Ok(SilencePreview { matchers, matches })
    })
    .await
}

/// Makes a silence as the operator at this desk.
#[tauri::command]
#[specta::specta]
pub async fn add_silence(
    state: State<'_, AppState>,
    draft: SilenceDraft,
) -> Result<Silence, Error> {
    blocking(state, move |s| match s.team() {
        Some(team) => team.silence(SilenceChange::Add { draft }),
        None => s.store()?.add_silence(&draft, &Actor::User),
    })
    .await
}

/// Edits a silence (a new version); refused when it changed since `expected_version`.
#[tauri::command]
#[specta::specta]
pub async fn edit_silence(
    state: State<'_, AppState>,
    id: i64,
    expected_version: i64,
    draft: SilenceDraft,
) -> Result<Silence, Error> {
    blocking(state, move |s| match s.team() {
        Some(team) => team.silence(SilenceChange::Edit {
            silence: team.silence_key(id)?,
            expected_version,
            draft,
        }),
        None => s
            .store()?
            .edit_silence(id, expected_version, &draft, &Actor::User),
    })
    .await
}

/// Ends a silence now.
#[tauri::command]
#[specta::specta]
pub async fn expire_silence(
    state: State<'_, AppState>,
    id: i64,
    expected_version: i64,
) -> Result<Silence, Error> {
    blocking(state, move |s| match s.team() {
        Some(team) => team.silence(SilenceChange::Expire {
            silence: team.silence_key(id)?,
            expected_version,
        }),
        None => s
            .store()?
            .expire_silence(id, expected_version, &Actor::User),
    })
    .await
}
