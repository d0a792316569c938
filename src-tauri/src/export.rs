//! Export from the window: the path comes from the system's save dialog, opened here in Rust
//! (or from `EVENTDESK_EXPORT_TO`), never from the webview; the core writes the file.

use crate::pushed::ExportProgress;
use crate::state::{AppState, SaveTo};
use eventdesk_core::services::export::default_file_name;
use eventdesk_core::{Clock, Error, EventQuery, ExportFormat, ExportOutcome, SystemClock};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tauri::{AppHandle, Runtime};
use tauri_plugin_dialog::DialogExt;

/// Progress is sent at most this often (and at the start and the end).
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Asks where to save, then exports `query`'s view there. Runs on a blocking thread (the
/// dialog waits for the operator).
pub fn run(
    state: &AppState,
    query: &EventQuery,
    format: ExportFormat,
) -> Result<ExportOutcome, Error> {
    let store = state.store()?;
    query.filter.validate()?;
    let (_slot, cancel) = state.begin_export()?;
    let Some(path) = (state.save_to())(format)? else {
        return Ok(ExportOutcome::Dismissed);
    };
    let progress = state.progress();
    let mut last: Option<Instant> = None;
    store.export(
        &query.filter,
        query.sort,
        format,
        &path,
        &cancel,
        |rows, total| {
            if last.is_none_or(|t| t.elapsed() >= PROGRESS_EVERY) || rows == total {
                progress(ExportProgress { rows, total });
                last = Some(Instant::now());
            }
        },
    )
}

/// Where exports go: `fixed` when given (`EVENTDESK_EXPORT_TO`), otherwise the file the
/// operator picks in the system's save dialog.
pub fn save_to<R: Runtime>(app: &AppHandle<R>, fixed: Option<PathBuf>) -> SaveTo {
    if let Some(path) = fixed {
        return Arc::new(move |_| Ok(Some(path.clone())));
    }
    let app = app.clone();
    Arc::new(move |format: ExportFormat| {
        let extension = format.extension();
        let picked = app
            .dialog()
            .file()
            .set_title("Export events")
            .set_file_name(default_file_name(format, SystemClock.now_ms()))
            .add_filter(extension.to_uppercase(), &[extension])
            .blocking_save_file();
        picked
            .map(|p| {
                p.into_path().map_err(|e| {
                    Error::invalid("path", format!("the dialog gave no file path: {e}"))
                })
            })
            .transpose()
    })
}
