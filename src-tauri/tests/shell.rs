//! The shell through Tauri's mock runtime: each command, each error shape as the UI receives
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point
//! it, pushed events, and the freshness of the committed TypeScript bindings.

use eventdesk_app::pushed::EventsChanged;
use eventdesk_app::{specta_builder, start};
use eventdesk_core::SimConfig;

use serde_json::{json, Value};
use std::path::Path;
use std::sync::mpsc;
use std::time::Duration;
use tauri::test::{
    get_ipc_response, mock_builder, mock_context, noop_assets, MockRuntime, INVOKE_KEY,
};
use tauri::webview::InvokeRequest;
use tauri::{App, Manager, WebviewWindow, WebviewWindowBuilder};
use tauri_specta::Event as _;

struct Shell {
    _dir: tempfile::TempDir,
    app: App<MockRuntime>,
    window: WebviewWindow<MockRuntime>,
}

fn shell_on(path: &Path, dir: tempfile::TempDir) -> Shell {
    shell_with_env(path, dir, |name| {
        (name == "EVENTDESK_SIM").then(|| "off".to_owned())
    })
}

fn shell_with_env(
    path: &Path,
    dir: tempfile::TempDir,
    env: impl Fn(&str) -> Option<String>,
) -> Shell {
    let builder = specta_builder::<MockRuntime>();
    let app = mock_builder()
        .invoke_handler(builder.invoke_handler())
        .build(mock_context(noop_assets()))
        .unwrap();
    // Under the mock runtime `.setup()` does not run: do what it does by hand.
    builder.mount_events(&app);
    // Never the operator's credential store.
    let env = move |name: &str| match name {
        "EVENTDESK_SECRETS" => Some("session".to_owned()),
        _ => env(name),
    };
    let state = start(app.handle(), path, env);
    app.manage(state);
    app.manage(eventdesk_app::self_check::Inbox::default());
    let window = WebviewWindowBuilder::new(&app, "main", Default::default())
        .build()
        .unwrap();
    Shell {
        _dir: dir,
        app,
        window,
    }
}

/// Calls a command the way the window does, and answers as the window would see it.
fn invoke(window: &WebviewWindow<MockRuntime>, cmd: &str, body: Value) -> Result<Value, Value> {
    get_ipc_response(
        window,
        InvokeRequest {
            cmd: cmd.into(),
            callback: tauri::ipc::CallbackFn(0),
            error: tauri::ipc::CallbackFn(1),
            url: "tauri://localhost".parse().unwrap(),
            body: tauri::ipc::InvokeBody::Json(body),
            headers: Default::default(),
            invoke_key: INVOKE_KEY.to_string(),
        },
    )
    .map(|b| b.deserialize::<Value>().unwrap())
}

fn shell() -> Shell {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eventdesk.db");
    shell_on(&path, dir)
}

impl Shell {
    /// Closes this app and opens another on the same database file.
    fn restart(self, path: &Path, env: impl Fn(&str) -> Option<String>) -> Shell {
        let Shell {
            _dir: dir,
            app,
            window,
        } = self;
        // As the app does when it exits.
        app.state::<eventdesk_app::state::AppState>().shut_down();
        drop(window);
        drop(app);
        shell_with_env(path, dir, env)
    }

    fn invoke(&self, cmd: &str, body: Value) -> Result<Value, Value> {
        invoke(&self.window, cmd, body)
    }

    fn seed(&self, changes: u64) {
        let state = self.app.state::<eventdesk_app::state::AppState>();
        let store = state.store().unwrap();
        let mut conn = store.connect().unwrap();
        let mut sim = eventdesk_core::Simulator::new(SimConfig {
            override_chance: 0.0,
            new_share: 1.0,
            ..SimConfig::new(5)
        });
        sim.run_batch(
            &mut conn,
            store.feed(),
            &eventdesk_core::At(1_764_000_000_000),
            changes,
        )
        .unwrap();
    }

    fn list(&self, page: i64, page_size: i64) -> Result<Value, Value> {
        self.invoke(
            "list_events",
            json!({ "query": { "page": page, "pageSize": page_size } }),
        )
    }
}

#[test]
fn list_events_returns_a_page_newest_first() {
    let s = shell();
    s.seed(30);
    let page = s.list(2, 10).unwrap();
    assert_eq!(
        (
            page["page"].clone(),
            page["pageSize"].clone(),
            page["total"].clone()
        ),
        (json!(2), json!(10), json!(30))
    );
    let ids: Vec<i64> = page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, (11..=20).rev().collect::<Vec<_>>());
    let row = &page["rows"][0];
    for field in [
        "kind",
        "source",
        "severity",
        "title",
        "status",
        "createdAt",
        "updatedAt",
        "updatedBy",
        "version",
    ] {
        assert!(!row[field].is_null(), "row lacks {field}: {row}");
    }
    assert_eq!(page["seq"], json!(30));
}

#[test]
fn paging_bounds_are_typed_invalid_input_errors() {
    let s = shell();
    for (page, size, field) in [
        (0, 50, "page"),
        (-1, 50, "page"),
        (1, 0, "pageSize"),
        (1, 10_000, "pageSize"),
    ] {
        let err = s.list(page, size).unwrap_err();
        assert_eq!(err["type"], "InvalidInput", "{err}");
        assert_eq!(err["data"]["field"], field, "{err}");
        assert!(
            err["data"]["message"].as_str().unwrap().contains("must be"),
            "{err}"
        );
    }
}

#[test]
fn get_event_returns_the_event_and_its_history() {
    let s = shell();
    s.seed(3);
    let detail = s.invoke("get_event", json!({ "id": 2 })).unwrap();
    assert_eq!(detail["event"]["id"], 2);
    assert_eq!(detail["history"][0]["field"], "created");
    assert_eq!(detail["history"][0]["actor"], "simulator");
}

#[test]
fn unknown_and_negative_ids_are_typed_errors() {
    let s = shell();
    s.seed(1);
    assert_eq!(
        s.invoke("get_event", json!({ "id": 42 })).unwrap_err(),
        json!({ "type": "NotFound", "data": { "id": 42 } })
    );
    let err = s
        .invoke("complete_event", json!({ "id": -5, "expectedVersion": 1 }))
        .unwrap_err();
    assert_eq!(
        (err["type"].clone(), err["data"]["field"].clone()),
        (json!("InvalidInput"), json!("id"))
    );
}

#[test]
fn complete_event_completes_as_the_user_and_pushes_the_change() {
    let s = shell();
    s.seed(2);
    let (tx, rx) = mpsc::channel();
    EventsChanged::listen(&s.app, move |e| {
        let _ = tx.send(e.payload);
    });
    let done = s
        .invoke("complete_event", json!({ "id": 1, "expectedVersion": 1 }))
        .unwrap();
    assert_eq!(
        (
            done["status"].clone(),
            done["completedBy"].clone(),
            done["version"].clone()
        ),
        (json!("completed"), json!("user"), json!(2))
    );
    // The seeding's push may or may not have been emitted before `listen`: read pushes until
    // the completion's seq, checking that they follow on from the first one received.
    let mut next: Option<i64> = None;
    let last = loop {
        let pushed: eventdesk_core::ChangeSet = rx.recv_timeout(Duration::from_secs(5)).unwrap().0;
        if let Some(expected) = next {
            assert_eq!(pushed.from_seq, expected, "pushes must follow on");
        }
        next = Some(pushed.to_seq + 1);
        if pushed.to_seq >= 3 {
            break pushed;
        }
    };
    assert_eq!(last.to_seq, 3);
    let row = last.rows.iter().find(|r| r.id == 1).unwrap();
    assert_eq!(
        (row.version, row.completed_by.clone()),
        (2, Some(eventdesk_core::Actor::User))
    );
}

#[test]
fn a_stale_version_is_a_conflict_with_the_current_event() {
    let s = shell();
    s.seed(1);
    s.invoke("complete_event", json!({ "id": 1, "expectedVersion": 1 }))
        .unwrap();
    let err = s
        .invoke("complete_event", json!({ "id": 1, "expectedVersion": 1 }))
        .unwrap_err();
    assert_eq!(err["type"], "Conflict");
    assert_eq!(err["data"]["expected"], 1);
    assert_eq!(err["data"]["current"]["version"], 2);
    assert_eq!(err["data"]["current"]["completedBy"], "user");
}

#[test]
fn a_foreign_file_makes_every_command_say_so_and_is_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "not a database").unwrap();
    let s = shell_on(&path, dir);
    for (cmd, body) in [
        (
            "list_events",
            json!({ "query": { "page": 1, "pageSize": 50 } }),
        ),
        ("get_event", json!({ "id": 1 })),
        ("complete_event", json!({ "id": 1, "expectedVersion": 1 })),
    ] {
        let err = s.invoke(cmd, body).unwrap_err();
        assert_eq!(err["type"], "NotEventdeskDatabase", "{cmd}: {err}");
    }
    assert_eq!(std::fs::read_to_string(&path).unwrap(), "not a database");
}

#[test]
fn arguments_of_the_wrong_type_are_rejected_without_a_panic() {
    let s = shell();
    let err = s.invoke("get_event", json!({ "id": "seven" })).unwrap_err();
    // Tauri names the argument and what was wrong with it.
    let message = err.as_str().unwrap();
    assert!(
        message.contains("`id`") && message.contains("invalid type: string \"seven\""),
        "{err}"
    );
    assert!(s.list(1, 10).is_ok());
}

#[test]
fn committed_bindings_are_fresh() {
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("../src/bindings.ts");
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("bindings.ts");
    eventdesk_app::export_bindings(&fresh).unwrap();
    let fresh = std::fs::read_to_string(&fresh).unwrap();
    if std::env::var_os("EVENTDESK_BLESS").is_some() {
        std::fs::write(&committed, &fresh).unwrap();
        return;
    }
    let current = std::fs::read_to_string(&committed).unwrap_or_default();
    assert!(
        current == fresh,
        "src/bindings.ts is stale: run `EVENTDESK_BLESS=1 cargo test -p eventdesk-app --test shell committed_bindings_are_fresh` and commit it"
    );
}

#[test]
fn acknowledge_and_reopen_events_as_the_user() {
    let s = shell();
    s.seed(2);
    let ack = s
        .invoke(
            "acknowledge_event",
            json!({ "id": 2, "expectedVersion": 1 }),
        )
        .unwrap();
    assert_eq!(
        (ack["status"].clone(), ack["updatedBy"].clone()),
        (json!("acknowledged"), json!("user"))
    );
    s.invoke("complete_event", json!({ "id": 2, "expectedVersion": 2 }))
        .unwrap();
    let reopened = s
        .invoke("reopen_event", json!({ "id": 2, "expectedVersion": 3 }))
        .unwrap();
    assert_eq!(
        (reopened["status"].clone(), reopened["reopenedBy"].clone()),
        (json!("open"), json!("user"))
    );
    let err = s
        .invoke("reopen_event", json!({ "id": 2, "expectedVersion": 1 }))
        .unwrap_err();
    assert_eq!(err["type"], "Conflict");
    let ack = s
        .invoke(
            "acknowledge_event",
            json!({ "id": 1, "expectedVersion": 1 }),
        )
        .unwrap();
    assert_eq!(
        (
            ack["id"].clone(),
            ack["status"].clone(),
            ack["version"].clone()
        ),
        (json!(1), json!("acknowledged"), json!(2))
    );
    let err = s
        .invoke("reopen_event", json!({ "id": 1, "expectedVersion": 2 }))
        .unwrap_err();
    assert_eq!(
        (err["type"].clone(), err["data"]["field"].clone()),
        (json!("InvalidInput"), json!("action"))
    );
}

#[test]
fn bulk_action_returns_one_outcome_per_event() {
    let s = shell();
    s.seed(3);
    s.invoke(
        "acknowledge_event",
        json!({ "id": 2, "expectedVersion": 1 }),
    )
    .unwrap();
    let out = s
        .invoke(
            "bulk_action",
            json!({ "action": "complete", "targets": [
                { "id": 1, "expectedVersion": 1 },
                { "id": 2, "expectedVersion": 1 },
                { "id": 77, "expectedVersion": 1 },
            ] }),
        )
        .unwrap();
    assert_eq!(out[0]["outcome"], "done");
    assert_eq!(out[0]["event"]["completedBy"], "user");
    assert_eq!(
        (
            out[1]["outcome"].clone(),
            out[1]["current"]["version"].clone()
        ),
        (json!("conflict"), json!(2))
    );
    assert_eq!(out[2], json!({ "outcome": "notFound", "id": 77 }));
    let err = s
        .invoke(
            "bulk_action",
            json!({ "action": "complete", "targets": [] }),
        )
        .unwrap_err();
    assert_eq!(err["type"], "InvalidInput");
}

#[test]
fn changes_since_returns_what_a_window_missed() {
    let s = shell();
    s.seed(3);
    s.invoke(
        "acknowledge_event",
        json!({ "id": 1, "expectedVersion": 1 }),
    )
    .unwrap();
    let catch = s.invoke("changes_since", json!({ "since": 3 })).unwrap();
    assert_eq!(catch["complete"], true);
    assert_eq!(
        (
            catch["changes"]["fromSeq"].clone(),
            catch["changes"]["toSeq"].clone()
        ),
        (json!(4), json!(4))
    );
    assert_eq!(catch["changes"]["rows"][0]["status"], "acknowledged");
    assert_eq!(
        s.invoke("changes_since", json!({ "since": 4 })).unwrap(),
        json!({ "changes": null, "complete": true })
    );
}

#[test]
fn simulator_settings_are_validated_applied_and_persist_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eventdesk.db");
    let s = shell_on(&path, dir);
    let status = s.invoke("simulator_status", json!({})).unwrap();
    assert_eq!(status["settings"]["running"], false, "EVENTDESK_SIM=off");
    let mut settings = status["settings"].clone();
    settings["rate"] = json!(9000);
    let err = s
        .invoke("set_simulator", json!({ "settings": settings }))
        .unwrap_err();
    assert_eq!(
        (err["type"].clone(), err["data"]["field"].clone()),
        (json!("InvalidInput"), json!("rate"))
    );
    settings["rate"] = json!(12.5);
    settings["seed"] = json!(4242);
    settings["newShare"] = json!(0.25);
    settings["overrideChance"] = json!(0.5);
    let applied = s
        .invoke("set_simulator", json!({ "settings": settings }))
        .unwrap();
    assert_eq!(applied["settings"], settings);
    // A restart with no EVENTDESK_SIM* variables: the saved settings come back.
    let again = s.restart(&path, |_| None);
    assert_eq!(
        again.invoke("simulator_status", json!({})).unwrap()["settings"],
        settings
    );
}

#[test]
fn list_events_filters_sorts_searches_and_pages_by_position() {
    let s = shell();
    s.seed(200);
    let facets = s.invoke("list_facets", json!({})).unwrap();
    let kind = facets["kinds"][0].as_str().unwrap().to_owned();
    assert!(facets["sources"].as_array().unwrap().len() > 1);
    let q = |position: Value| json!({ "query": { "page": 1, "pageSize": 5, "filter": { "kind": kind }, "sort": { "by": "severity", "descending": true }, "position": position } });
    let first = s
        .invoke("list_events", q(json!({ "at": "first" })))
        .unwrap();
    let rows = first["rows"].as_array().unwrap();
    assert!(!rows.is_empty() && rows.iter().all(|r| r["kind"] == kind.as_str()));
    assert_eq!(first["totalExact"], true);
    let total = first["total"].as_i64().unwrap();
    let ids = |page: &Value| -> Vec<i64> {
        page["rows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_i64().unwrap())
            .collect()
    };
    // Every page of the view, by position: each row once, the kind's every event.
    let mut seen = ids(&first);
    let mut page = first.clone();
    while page["next"].is_object() {
        assert_eq!(page["next"]["at"], "after");
        let next = s.invoke("list_events", q(page["next"].clone())).unwrap();
        assert_eq!(next["prev"]["at"], "before");
        let back = s.invoke("list_events", q(next["prev"].clone())).unwrap();
        assert_eq!(ids(&back), ids(&page), "prev leads back to the page before");
        seen.extend(ids(&next));
        page = next;
    }
    assert!(total > 5, "the seeded kind fills more than a page: {total}");
    assert_eq!(seen.len() as i64, total);
    let unique: std::collections::HashSet<i64> = seen.iter().copied().collect();
    assert_eq!(unique.len(), seen.len(), "no row twice");
    let err = s
        .invoke("list_events", json!({ "query": { "page": 1, "pageSize": 5, "filter": { "search": "\"open quote" } } }))
        .unwrap_err();
    assert_eq!(
        (err["type"].clone(), err["data"]["field"].clone()),
        (json!("InvalidInput"), json!("search"))
    );
}

#[test]
fn preferences_are_validated_and_persist_across_restarts() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eventdesk.db");
    let s = shell_on(&path, dir);
    let defaults = s.invoke("get_settings", json!({})).unwrap();
    assert_eq!(
        defaults,
        json!({
            "theme": "system",
            "notifications": true,
            "sounds": { "critical": false, "error": false, "warning": false, "info": false },
            "closeToTray": false,
            "pageSize": 50,
            "density": "comfortable",
            "maxSilenceDays": 30,
            "timers": {
                "ackTimeoutMinutes": { "info": null, "warning": null, "error": null, "critical": null },
                "expireAfterHours": null
            }
        })
    );
    let mut chosen = defaults.clone();
    chosen["theme"] = json!("dark");
    chosen["notifications"] = json!(false);
    chosen["sounds"]["critical"] = json!(true);
    chosen["closeToTray"] = json!(true);
    chosen["density"] = json!("compact");
    chosen["maxSilenceDays"] = json!(7);
    chosen["timers"]["ackTimeoutMinutes"]["critical"] = json!(15);
    chosen["pageSize"] = json!(7);
    let err = s
        .invoke("save_settings", json!({ "settings": chosen }))
        .unwrap_err();
    assert_eq!(
        (err["type"].clone(), err["data"]["field"].clone()),
        (json!("InvalidInput"), json!("pageSize"))
    );
    assert_eq!(s.invoke("get_settings", json!({})).unwrap(), defaults);
    chosen["pageSize"] = json!(100);
    assert_eq!(
        s.invoke("save_settings", json!({ "settings": chosen }))
            .unwrap(),
        chosen
    );
    let again = s.restart(&path, |name| {
        (name == "EVENTDESK_SIM").then(|| "off".to_owned())
    });
    assert_eq!(again.invoke("get_settings", json!({})).unwrap(), chosen);
}

#[test]
fn about_names_the_version_database_and_log_folder() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eventdesk.db");
    let s = shell_on(&path, dir);
    let about = s.invoke("about", json!({})).unwrap();
    assert_eq!(about["version"], json!(env!("CARGO_PKG_VERSION")));
    assert_eq!(about["dbPath"], json!(path.display().to_string()));
    // The folder the app logs to, as Tauri places it for this app.
    let logs = tauri::Manager::path(&s.app).app_log_dir().unwrap();
    assert_eq!(about["logDir"], json!(logs.display().to_string()));
}

/// A shell whose save dialog answers with `target` (`EVENTDESK_EXPORT_TO`).
fn shell_exporting_to(target: &Path) -> Shell {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eventdesk.db");
    let target = target.display().to_string();
    shell_with_env(&path, dir, move |name| match name {
        "EVENTDESK_SIM" => Some("off".into()),
        "EVENTDESK_EXPORT_TO" => Some(target.clone()),
        _ => None,
    })
}

#[test]
fn export_view_writes_the_filtered_view_where_the_dialog_says_and_reports_progress() {
    let out_dir = tempfile::tempdir().unwrap();
    let file = out_dir.path().join("view.json");
    let s = shell_exporting_to(&file);
    s.seed(40);
    let (tx, rx) = mpsc::channel();
    eventdesk_app::pushed::ExportProgress::listen(&s.app, move |e| {
        let _ = tx.send((e.payload.rows, e.payload.total));
    });
    assert_eq!(s.invoke("cancel_export", json!({})).unwrap(), json!(false));
    // The window names no path: a path in the call is not an argument of the command.
    let done = s
        .invoke(
            "export_view",
            json!({
                "query": { "page": 1, "pageSize": 50, "filter": { "search": "timeout" } },
                "format": "json",
                "path": "/home/someone/.bashrc",
            }),
        )
        .unwrap();
    let page = s
        .invoke(
            "list_events",
            json!({ "query": { "page": 1, "pageSize": 200, "filter": { "search": "timeout" } } }),
        )
        .unwrap();
    let rows: Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(rows, page["rows"]);
    assert_eq!(
        done,
        json!({ "outcome": "done", "rows": page["total"], "path": file.display().to_string() })
    );
    let n = page["total"].as_i64().unwrap();
    assert!(n > 0);
    let reports: Vec<(i64, i64)> = rx.try_iter().collect();
    assert_eq!(reports.first(), Some(&(0, n)));
    assert_eq!(reports.last(), Some(&(n, n)));
    assert_eq!(
        std::fs::read_dir(out_dir.path()).unwrap().count(),
        1,
        "no temp file left"
    );
}

#[test]
fn export_to_a_missing_folder_is_invalid_input() {
    let out_dir = tempfile::tempdir().unwrap();
    let s = shell_exporting_to(&out_dir.path().join("missing").join("x.csv"));
    s.seed(5);
    let err = s
        .invoke(
            "export_view",
            json!({ "query": { "page": 1, "pageSize": 50 }, "format": "csv" }),
        )
        .unwrap_err();
    assert_eq!(
        (err["type"].clone(), err["data"]["field"].clone()),
        (json!("InvalidInput"), json!("path"))
    );
}

#[test]
fn a_running_export_is_the_only_one_and_cancelling_it_leaves_nothing() {
    let out_dir = tempfile::tempdir().unwrap();
    let file = out_dir.path().join("all.csv");
    std::fs::write(&file, "an earlier export\n").unwrap();
    let s = shell_exporting_to(&file);
    {
        let state = s.app.state::<eventdesk_app::state::AppState>();
        let mut conn = state.store().unwrap().connect().unwrap();
        eventdesk_core::services::seed::seed(&mut conn, 60_000, 2, 1_764_000_000_000, |_, _| {})
            .unwrap();
    }
    let (tx, progress) = mpsc::channel();
    eventdesk_app::pushed::ExportProgress::listen(&s.app, move |e| {
        let _ = tx.send(e.payload.rows);
    });
    let shell = s;
    let exporting = {
        let window = shell.window.clone();
        std::thread::spawn(move || {
            invoke(
                &window,
                "export_view",
                json!({ "query": { "page": 1, "pageSize": 50 }, "format": "csv" }),
            )
        })
    };
    // Once rows are being written, a second export is refused and the first is cancelled.
    while progress.recv_timeout(Duration::from_secs(30)).unwrap() == 0 {}
    let second = shell
        .invoke(
            "export_view",
            json!({ "query": { "page": 1, "pageSize": 50 }, "format": "json" }),
        )
        .unwrap_err();
    assert_eq!(
        (second["type"].clone(), second["data"]["field"].clone()),
        (json!("InvalidInput"), json!("export"))
    );
    assert_eq!(
        shell.invoke("cancel_export", json!({})).unwrap(),
        json!(true)
    );
    let outcome = exporting.join().unwrap().unwrap();
    assert_eq!(outcome["outcome"], "cancelled", "{outcome}");
    assert!(outcome["rows"].as_i64().unwrap() < 60_000);
    assert_eq!(
        std::fs::read_to_string(&file).unwrap(),
        "an earlier export\n"
    );
    assert_eq!(
        std::fs::read_dir(out_dir.path()).unwrap().count(),
        1,
        "the partial file is gone"
    );
    assert_eq!(
        shell.invoke("cancel_export", json!({})).unwrap(),
        json!(false)
    );
}

#[test]
fn notices_reach_the_desktop_while_on_and_none_while_off() {
    use eventdesk_core::{AppSettings, ChangeSet};
    let settings = std::sync::Arc::new(parking_lot::Mutex::new(AppSettings::default()));
    // A rendezvous: a send returns once the notifier has taken the set.
    let (sets, rx) = mpsc::sync_channel::<ChangeSet>(0);
    let (shown_tx, shown) = mpsc::channel();
    let notifier = {
        let settings = settings.clone();
        std::thread::spawn(move || {
            eventdesk_app::desktop::run_notifier(&rx, &settings, 0, |n| {
                let _ = shown_tx.send(n.title.clone());
            })
        })
    };
    let critical = |id: i64, title: &str| {
        let mut row: eventdesk_core::Event = serde_json::from_value(json!({
            "id": id, "kind": "k", "source": "s", "severity": "critical", "title": title,
            "status": "open", "createdAt": 1, "updatedAt": 1, "updatedBy": "simulator",
            "completedAt": null, "completedBy": null, "reopenedAt": null, "reopenedBy": null,
            "version": 1, "dedupKey": null, "occurrences": 1, "lastSeenAt": 1
        }))
        .unwrap();
        row.id = id;
        ChangeSet {
            from_seq: id,
            to_seq: id,
            rows: vec![row],
            created: vec![id],
            critical: vec![id],
            total: id,
            tally: Default::default(),
            reload: false,
        }
    };
    sets.send(critical(1, "first")).unwrap();
    assert_eq!(
        shown.recv_timeout(Duration::from_secs(5)).unwrap(),
        "Critical: first"
    );
    settings.lock().notifications = false;
    sets.send(critical(2, "while off")).unwrap();
    // Taken once the notifier is done with set 2 (it reads the setting after each set).
    sets.send(ChangeSet {
        critical: vec![],
        created: vec![],
        ..critical(2, "probe")
    })
    .unwrap();
    settings.lock().notifications = true;
    sets.send(critical(3, "on again")).unwrap();
    // The next notice is about the event after the switch, not the one while off.
    assert_eq!(
        shown.recv_timeout(Duration::from_secs(5)).unwrap(),
        "Critical: on again"
    );
    drop(sets);
    notifier.join().unwrap();
    assert!(shown.try_recv().is_err());
}

#[test]
fn the_tray_pauses_and_resumes_the_simulator_and_the_choice_is_saved() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eventdesk.db");
    let s = shell_with_env(&path, dir, |_| None);
    let running =
        |s: &Shell| s.invoke("simulator_status", json!({})).unwrap()["settings"]["running"].clone();
    assert_eq!(running(&s), json!(true));
    eventdesk_app::desktop::toggle_simulator(s.app.handle());
    assert_eq!(running(&s), json!(false));
    // Saved: a restart with no variables starts paused.
    let s = s.restart(&path, |_| None);
    assert_eq!(running(&s), json!(false));
    eventdesk_app::desktop::toggle_simulator(s.app.handle());
    assert_eq!(running(&s), json!(true));
}

#[test]
fn warnings_name_settings_that_were_replaced_and_a_read_only_state() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eventdesk.db");
    let s = shell_on(&path, dir);
    assert_eq!(s.invoke("warnings", json!({})).unwrap(), json!([]));
    {
        let state = s.app.state::<eventdesk_app::state::AppState>();
        state
            .store()
            .unwrap()
            .connect()
            .unwrap()
            .as_sqlite()
            .execute(
                "INSERT INTO settings (key, value) VALUES ('simulator', '{\"running\":true,\"rate\":90000,\"seed\":1,\"newShare\":0.4,\"overrideChance\":0}')",
                [],
            )
            .unwrap();
    }
    let s = s.restart(&path, |_| None);
    let warnings = s.invoke("warnings", json!({})).unwrap();
    assert!(warnings[0].as_str().unwrap().contains("rate"), "{warnings}");
    assert_eq!(
        s.invoke("simulator_status", json!({})).unwrap()["settings"]["rate"],
        json!(2.0)
    );
}

#[test]
fn activity_covers_the_last_hour_minute_by_minute() {
    let s = shell();
    // Events created now, through the write path: they fall in the current minute.
    let state = s.app.state::<eventdesk_app::state::AppState>();
    let store = state.store().unwrap();
    let mut conn = store.connect().unwrap();
    let now = eventdesk_core::clock::now_ms();
    let mut sim = eventdesk_core::Simulator::new(SimConfig {
        new_share: 1.0,
        override_chance: 0.0,
        ..SimConfig::new(8)
    });
    sim.run_batch(&mut conn, store.feed(), &eventdesk_core::At(now), 7)
        .unwrap();
    let minutes = s.invoke("activity", json!({})).unwrap();
    let minutes = minutes.as_array().unwrap();
    assert_eq!(minutes.len(), 60);
    let starts: Vec<i64> = minutes
        .iter()
        .map(|m| m["start"].as_i64().unwrap())
        .collect();
    assert!(
        starts.windows(2).all(|w| w[1] - w[0] == 60_000),
        "{starts:?}"
    );
    let last = starts[59];
    // The strip ends with the minute of "now" (the command reads the clock after the batch).
    assert!(
        last <= now && now < last + 120_000,
        "last minute {last}, now {now}"
    );
    let count = |m: &Value| -> i64 {
        ["info", "warning", "error", "critical"]
            .iter()
            .map(|f| m[*f].as_i64().unwrap())
            .sum()
    };
    let total: i64 = minutes.iter().map(count).sum();
    assert_eq!(total, 7);
    let at = minutes
        .iter()
        .position(|m| m["start"].as_i64().unwrap() == now - now.rem_euclid(60_000))
        .unwrap();
    assert_eq!(
        count(&minutes[at]),
        7,
        "all in the minute they were created"
    );
}

#[path = "shell/fuzz.rs"]
mod fuzz;
#[path = "shell/sources.rs"]
mod sources;
#[path = "shell/team.rs"]
mod team;

#[test]
fn the_self_checks_report_is_refused_when_no_self_check_runs() {
    let s = shell();
    let refused = s
        .invoke(
            "self_check_seen",
            json!({ "seen": { "rows": 1, "id": 1, "version": 1 } }),
        )
        .unwrap_err();
    assert_eq!(refused["type"], "InvalidInput", "{refused}");
    assert_eq!(refused["data"]["message"], "no self-check is running");
}
