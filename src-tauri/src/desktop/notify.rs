//! Desktop notifications for critical events: at most one per interval, the ones held back
//! counted.

use eventdesk_core::services::notify::NOTICE_INTERVAL_MS;
use eventdesk_core::{AppSettings, ChangeSet, Clock, Notice, Notifier, SystemClock};
use parking_lot::Mutex;
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::sync::Arc;
use std::time::Duration;
use tauri::{AppHandle, Manager, Runtime};

/// Starts the notifier thread, fed critical events by the pusher; `None` if it cannot start.
pub fn start_notifier<R: Runtime>(
    app: &AppHandle<R>,
    settings: Arc<Mutex<AppSettings>>,
) -> Option<Sender<ChangeSet>> {
    let (tx, rx) = mpsc::channel();
    let handle = app.clone();
    std::thread::Builder::new()
        .name("notifier".into())
        .spawn(move || {
            run_notifier(&rx, &settings, NOTICE_INTERVAL_MS, |n| {
                show_notice(&handle, n)
            })
        })
        .map_err(|e| tracing::error!(error = %e, "no desktop notifications"))
        .ok()
        .map(|_| tx)
}

/// Feeds a [`Notifier`] (one notice per `interval_ms`) until the pusher goes away, waking when
/// held-back events are due, and hands each notice to `show`. While the operator has
/// notifications off, critical events are dropped (and logged), not held back.
pub fn run_notifier(
    rx: &Receiver<ChangeSet>,
    settings: &Mutex<AppSettings>,
    interval_ms: i64,
    mut show: impl FnMut(&Notice),
) {
    let clock = SystemClock;
    let mut notifier = Notifier::new(interval_ms);
    loop {
        let wait = notifier.due_at().map_or(Duration::from_secs(3600), |t| {
            Duration::from_millis(u64::try_from(t - clock.now_ms()).unwrap_or(0))
        });
        let received = rx.recv_timeout(wait);
        let enabled = settings.lock().notifications;
        let notice = match received {
            Ok(set) if !enabled => {
                notifier.clear();
                tracing::info!(
                    events = set.critical.len(),
                    "critical events not notified: notifications are off"
                );
                None
            }
            Err(RecvTimeoutError::Timeout) if !enabled => {
                notifier.clear();
                None
            }
            Ok(set) => notifier.observe(&set, clock.now_ms()),
            Err(RecvTimeoutError::Timeout) => notifier.tick(clock.now_ms()),
            Err(RecvTimeoutError::Disconnected) => return,
        };
        if let Some(notice) = notice {
            show(&notice);
        }
    }
}

fn show_notice<R: Runtime>(app: &AppHandle<R>, notice: &Notice) {
    tracing::info!(
        event = notice.event_id,
        count = notice.count,
        title = %notice.title,
        "critical notice"
    );
    let Some(plugin) = app.try_state::<tauri_plugin_notification::Notification<R>>() else {
        return;
    };
    if let Err(e) = plugin
        .builder()
        .title(&notice.title)
        .body(&notice.body)
        .show()
    {
        tracing::warn!(error = %e, "the desktop did not show the notification");
    }
}
