//! The self-check any built or installed copy can run (`eventdesk --self-check`, or
//! `EVENTDESK_SELF_CHECK=1`): the real window on a temporary database of a few events. It waits
//! until the page shows the first page of rows, changes one of those events in the database,
//! waits until the pushed change is on screen, logs each step on standard output and exits 0, or
//! 1 with the reason. Nothing of the operator's is read or written: no saved window size, no
//! single-instance hand-over, no credential store; the app's folders (logs, the web view's data)
//! are the temporary one.

use crate::state::AppState;
use eventdesk_core::services::seed;
use eventdesk_core::services::simulator::parse_switch;
use eventdesk_core::{db, Action, Clock, Error, Status, SystemClock};
use parking_lot::Mutex;
use serde::Deserialize;
use specta::Type;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};
use tauri::{Manager, Runtime};

/// Events the temporary database starts with.
const EVENTS: u64 = 20;
/// How long each step may take: a cold start of WebKit on a slow machine included.
const STEP: Duration = Duration::from_secs(60);
/// How often the page is looked at.
const LOOK_EVERY: Duration = Duration::from_millis(250);

/// Whether this launch is a self-check: `--self-check` among the arguments, or
/// `EVENTDESK_SELF_CHECK` set to 1/on/true/yes.
pub fn requested(args: impl IntoIterator<Item = String>, var: Option<String>) -> bool {
    args.into_iter().any(|a| a == "--self-check")
        || var.is_some_and(|v| parse_switch(&v) == Some(true))
}

/// What the page reports: the first row it shows, and how many.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Seen {
    pub rows: u32,
    /// The row looked for (the first row when none is named), as `data-event-id`.
    pub id: i64,
    pub version: i64,
}

/// The temporary folder of one self-check and the page's reports. Managed by the app only
/// during a self-check.
pub struct SelfCheck {
    dir: PathBuf,
    tx: Sender<Seen>,
    rx: Mutex<Option<Receiver<Seen>>>,
}

/// Where the page's reports go: to the running self-check, or nowhere (always managed, so that
/// the command answers with a typed error when no self-check runs).
#[derive(Default)]
pub struct Inbox(Mutex<Option<Sender<Seen>>>);

impl Inbox {
    pub fn deliver(&self, seen: Seen) -> Result<(), Error> {
        match &*self.0.lock() {
            Some(tx) => tx
                .send(seen)
                .map_err(|_| Error::invalid("seen", "the self-check has ended")),
            None => Err(Error::invalid("seen", "no self-check is running")),
        }
    }
}

impl SelfCheck {
    /// A fresh temporary folder with a database of [`EVENTS`] events.
    pub fn prepare() -> Result<SelfCheck, String> {
        let stamp = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let dir = std::env::temp_dir().join(format!(
            "eventdesk-self-check-{}-{stamp}",
            std::process::id()
        ));
        std::fs::create_dir(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let check = SelfCheck::in_dir(dir);
        let db = check.db();
        // The schema and one connection: no store (and none of its threads) just to seed.
        db::prepare(&db, db::Check::Now)
            .map_err(|e| format!("cannot create {}: {e}", db.display()))?;
        let mut conn = db::connect(&db).map_err(|e| e.to_string())?;
        seed::seed(&mut conn, EVENTS, 1, SystemClock.now_ms(), |_, _| ())
            .map_err(|e| format!("cannot seed {}: {e}", db.display()))?;
        Ok(check)
    }

    fn in_dir(dir: PathBuf) -> SelfCheck {
        let (tx, rx) = mpsc::channel();
        SelfCheck {
            dir,
            tx,
            rx: Mutex::new(Some(rx)),
        }
    }

    /// The temporary folder: the app's folders (the web view's data, logs) while it checks.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn db(&self) -> PathBuf {
        self.dir.join("eventdesk.db")
    }

    /// Where the `self_check_seen` command passes on what the page saw.
    pub fn inbox(&self) -> Inbox {
        Inbox(Mutex::new(Some(self.tx.clone())))
    }

    /// Removes the temporary folder (at exit).
    pub fn clean_up(&self) {
        if let Err(e) = std::fs::remove_dir_all(&self.dir) {
            tracing::warn!(dir = %self.dir.display(), error = %e, "the self-check's folder was left");
        }
    }

    /// Runs the check on its own thread and exits the app with its outcome.
    pub fn start<R: Runtime>(app: &tauri::AppHandle<R>) {
        let handle = app.clone();
        let spawned = std::thread::Builder::new()
            .name("self-check".into())
            .spawn(move || {
                let code = match check(&handle) {
                    Ok(()) => {
                        say("passed");
                        0
                    }
                    Err(reason) => {
                        say(&format!("FAILED: {reason}"));
                        1
                    }
                };
                handle.exit(code);
            });
        if let Err(e) = spawned {
            say(&format!("FAILED: cannot start: {e}"));
            app.exit(1);
        }
    }
}

fn say(line: &str) {
    println!("self-check: {line}");
    tracing::info!("self-check: {line}");
}

/// A script that reports the row `id` (or the first row) once it is on screen.
fn probe(id: Option<i64>) -> String {
    let selector = match id {
        Some(id) => format!("tbody tr[data-event-id=\"{id}\"]"),
        None => "tbody tr[data-event-id]".to_owned(),
    };
    format!(
        "(() => {{ const row = document.querySelector('{selector}'); if (!row) return; \
         const rows = document.querySelectorAll('tbody tr[data-event-id]').length; \
         window.__TAURI_INTERNALS__.invoke('self_check_seen', {{ seen: {{ rows, \
         id: Number(row.dataset.eventId), version: Number(row.dataset.version) }} }}); }})()"
    )
}

/// Looks at the page until `done` accepts what it reports, for up to [`STEP`].
fn wait_for<R: Runtime>(
    app: &tauri::AppHandle<R>,
    rx: &Receiver<Seen>,
    id: Option<i64>,
    what: &str,
    done: impl Fn(&Seen) -> bool,
) -> Result<Seen, String> {
    let deadline = Instant::now() + STEP;
    let script = probe(id);
    loop {
        if let Some(window) = app.get_webview_window("main") {
            if let Err(e) = window.eval(&script) {
                return Err(format!("cannot look at the page: {e}"));
            }
        }
        match rx.recv_timeout(LOOK_EVERY) {
            Ok(seen) if done(&seen) => return Ok(seen),
            Ok(_) | Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return Err("the app is closing".into()),
        }
        if Instant::now() > deadline {
            return Err(format!("{what} within {} s", STEP.as_secs()));
        }
    }
}

fn check<R: Runtime>(app: &tauri::AppHandle<R>) -> Result<(), String> {
    let check = app.state::<SelfCheck>();
    let rx = check
        .rx
        .lock()
        .take()
        .ok_or("the self-check is already running")?;
    say(&format!("database {}", check.db().display()));
    let started = Instant::now();
    let first = wait_for(app, &rx, None, "no rows on screen", |_| true)?;
    say(&format!(
        "first page on screen after {} ms: {} rows, event {} first",
        started.elapsed().as_millis(),
        first.rows,
        first.id
    ));

    let state = app.state::<AppState>();
    let event = state
        .store()
        .and_then(|store| store.get_event(first.id))
        .map_err(|e| format!("cannot read event {}: {e}", first.id))?
        .event;
    let action = match event.status {
        Status::Completed => Action::Reopen,
        Status::Open | Status::Acknowledged => Action::Complete,
    };
    let changed_at = Instant::now();
    let changed = state
        .act(event.id, event.version, action)
        .map_err(|e: Error| format!("cannot change event {}: {e}", event.id))?;
    say(&format!(
        "changed event {} ({action:?}) to version {}",
        changed.id, changed.version
    ));
    wait_for(
        app,
        &rx,
        Some(changed.id),
        "the pushed change did not reach the screen",
        |seen| seen.version == changed.version,
    )?;
    say(&format!(
        "pushed change on screen after {} ms",
        changed_at.elapsed().as_millis()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asked_for_by_flag_or_variable() {
        let args = |a: &[&str]| a.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert!(requested(args(&["eventdesk", "--self-check"]), None));
        assert!(requested(args(&["eventdesk"]), Some("1".into())));
        assert!(requested(args(&["eventdesk"]), Some(" On ".into())));
        assert!(!requested(args(&["eventdesk"]), Some("0".into())));
        assert!(!requested(args(&["eventdesk"]), None));
        assert!(!requested(args(&["eventdesk", "--self-checks"]), None));
    }

    #[test]
    fn the_probe_names_the_row_it_waits_for() {
        assert!(probe(Some(7)).contains(r#"tr[data-event-id="7"]"#));
        assert!(probe(None).contains("tr[data-event-id]"));
    }
}
