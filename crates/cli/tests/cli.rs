//! The command-line tool as a script runs it: every flag checked with a clear message and exit
//! code 2, refusals with exit code 1 and nothing written, no panics.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::path::Path;
use std::process::{Command, Output};

fn cli(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_eventdesk-cli"))
        .args(args)
        .output()
        .unwrap()
}

fn text(out: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

#[test]
fn every_flag_is_checked_with_a_clear_message() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let db = db.to_str().unwrap();
    for (args, says) in [
        (
            vec!["simulate", "--db", db, "--changes", "5", "--override", "2"],
            "expected a number from 0 to 1",
        ),
        (
            vec![
                "simulate",
                "--db",
                db,
                "--changes",
                "5",
                "--override",
                "NaN",
            ],
            "expected a number from 0 to 1",
        ),
        (
            vec!["simulate", "--db", db, "--changes", "0"],
            "not in 1..=",
        ),
        (
            vec!["simulate", "--db", db, "--changes", "lots"],
            "invalid digit",
        ),
        (vec!["simulate", "--db", db], "--changes"),
        (
            vec!["seed", "--db", db, "--events", "-4"],
            "invalid value '-4'",
        ),
        (
            vec!["seed", "--db", db, "--events", "4", "--hours-ago", "9000"],
            "not in 0..=8760",
        ),
        (vec!["handover", "--db", db], "--since"),
        (
            vec!["handover", "--db", db, "--hours", "0"],
            "not in 1..=744",
        ),
        (vec!["show", "--db", db, "--id", "-1"], "not in 1.."),
        (
            vec!["stats", "--db", db, "--verbose"],
            "unexpected argument",
        ),
        (vec!["frobnicate"], "unrecognized subcommand"),
        (
            vec!["export", "--db", db, "--to", "x.csv", "--label", "env"],
            "a label is KEY=VALUE",
        ),
    ] {
        let out = cli(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(says), "{args:?}: {}", text(&out));
    }
    assert!(
        !Path::new(db).exists(),
        "a rejected call created the database"
    );
}

#[test]
fn refusals_say_why_in_one_line_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let notes = dir.path().join("notes.db");
    std::fs::write(&notes, "not a database").unwrap();
    let notes = notes.to_str().unwrap();
    let uri = format!("file:{notes}");
    for (args, says) in [
        (
            vec!["stats", "--db", notes],
            "is not an Eventdesk database (it is not an SQLite file)",
        ),
        (
            vec!["simulate", "--db", notes, "--changes", "3"],
            "not an SQLite file",
        ),
        (
            vec!["simulate", "--db", uri.as_str(), "--changes", "3"],
            "give a plain file path",
        ),
        (
            vec!["stats", "--db", "/nonexistent/eventdesk.db"],
            "does not exist",
        ),
    ] {
        let out = cli(&args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out));
        let message = text(&out);
        assert!(message.contains(says), "{args:?}: {message}");
        assert_eq!(message.trim().lines().count(), 1, "{message}");
    }
    assert_eq!(std::fs::read_to_string(notes).unwrap(), "not a database");
    let files: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(files.len(), 1, "nothing was created beside it");
}

#[test]
fn seeds_simulates_and_dumps_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let db = db.to_str().unwrap();
    assert!(cli(&["seed", "--db", db, "--events", "30"])
        .status
        .success());
    let out = cli(&[
        "simulate",
        "--db",
        db,
        "--changes",
        "20",
        "--new-share",
        "1",
        "--override",
        "0",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let stats: serde_json::Value =
        serde_json::from_slice(&cli(&["stats", "--db", db]).stdout).unwrap();
    assert_eq!(stats["events"], 50);
    let dump = cli(&["dump", "--db", db]);
    let lines: Vec<serde_json::Value> = String::from_utf8(dump.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 50);
    assert!(lines
        .windows(2)
        .all(|w| w[0]["id"].as_i64() < w[1]["id"].as_i64()));

    // What changed in the last hour: the 30 seeded events, and the simulator's 20.
    let summary: serde_json::Value =
        serde_json::from_slice(&cli(&["handover", "--db", db, "--hours", "1"]).stdout).unwrap();
    assert_eq!(summary["created"]["count"], 50, "{summary}");
    assert_eq!(summary["created"]["events"].as_array().unwrap().len(), 10);
    assert_eq!(summary["created"]["events"][0]["id"], 50);

    // A file that looks like yesterday's: its history ends about a day ago.
    let old = dir.path().join("old.db");
    let old = old.to_str().unwrap();
    let before = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!(
        cli(&["seed", "--db", old, "--events", "30", "--hours-ago", "24"])
            .status
            .success()
    );
    let dump = String::from_utf8(cli(&["dump", "--db", old]).stdout).unwrap();
    for line in dump.lines() {
        let e: serde_json::Value = serde_json::from_str(line).unwrap();
        let updated = e["updatedAt"].as_i64().unwrap();
        assert!(updated <= before - 23 * 3_600_000, "{e}");
    }
}

#[test]
fn exports_the_events_carrying_the_labels_named() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let db = db.to_str().unwrap();
    assert!(cli(&["seed", "--db", db, "--events", "300"])
        .status
        .success());
    // What the file says, read as another program would: the labels kept for showing.
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut wanted: Vec<i64> = conn
        .prepare(
            "SELECT id FROM events WHERE labels ->> '$.env' = 'staging' \
             AND labels ->> '$.region' = 'us-east-1' ORDER BY id DESC",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<rusqlite::Result<_>>()
        .unwrap();
    drop(conn);
    assert!(!wanted.is_empty() && wanted.len() < 100, "{}", wanted.len());
    let to = dir.path().join("staging.json");
    let out = cli(&[
        "export",
        "--db",
        db,
        "--to",
        to.to_str().unwrap(),
        "--format",
        "json",
        "--label",
        "env=staging",
        "--label",
        "region=us-east-1",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let rows: Vec<serde_json::Value> =
        serde_json::from_str(&std::fs::read_to_string(&to).unwrap()).unwrap();
    let got: Vec<i64> = rows.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert_eq!(got, wanted);
    // And `show` tells an event's labels.
    let id = wanted.pop().unwrap().to_string();
    let shown: serde_json::Value =
        serde_json::from_slice(&cli(&["show", "--db", db, "--id", &id]).stdout).unwrap();
    assert_eq!(
        shown["labels"],
        serde_json::json!([{ "key": "env", "value": "staging" },
                           { "key": "region", "value": "us-east-1" }])
    );
}

#[test]
fn silences_are_added_listed_and_expired_with_the_windows_checks() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("a.db");
    let db = db.to_str().unwrap();
    assert!(cli(&["seed", "--db", db, "--events", "300"])
        .status
        .success());
    let conn = rusqlite::Connection::open(db).unwrap();
    let open_prod: i64 = conn
        .query_row(
            "SELECT count(*) FROM events WHERE source = 'payments-api' \
             AND labels ->> '$.env' = 'prod' AND status != 'completed'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    drop(conn);
    assert!(open_prod > 0);
    let matchers = r#"{source="payments-api", label.env="prod"}"#;
    let out = cli(&[
        "silence",
        "add",
        "--db",
        db,
        "--match",
        matchers,
        "--minutes",
        "60",
        "--comment",
        "deploy",
    ]);
    assert!(out.status.success(), "{}", text(&out));
    let made: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(made["id"], 1);
    assert_eq!(made["matches"], open_prod);
    assert_eq!(made["author"], "user");
    // The same checks as the window's, each saying what is wrong; nothing is written.
    for (args, says) in [
        (
            vec!["--match", "host=x", "--comment", "c"],
            "unknown field \"host\"",
        ),
        (vec!["--match", "source=x", "--comment", " "], "say why"),
        (
            vec!["--match", r#"title=~"(""#, "--comment", "c"],
            "at character 1",
        ),
        (
            vec!["--match", r#"label.team!="db""#, "--comment", "c"],
            "empty value",
        ),
    ] {
        let mut all = vec!["silence", "add", "--db", db, "--minutes", "5"];
        all.extend(args.iter().copied());
        let out = cli(&all);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", text(&out));
        assert!(text(&out).contains(says), "{args:?}: {}", text(&out));
    }
    let listed = |db: &str| -> Vec<serde_json::Value> {
        String::from_utf8(cli(&["silence", "list", "--db", db]).stdout)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    };
    let now = listed(db);
    assert_eq!(now.len(), 1);
    assert_eq!(now[0]["state"], "active");
    assert_eq!(now[0]["written"], matchers);
    let out = cli(&["silence", "expire", "--db", db, "--id", "1", "--as", "Ana"]);
    assert!(out.status.success(), "{}", text(&out));
    let now = listed(db);
    assert_eq!(
        (now[0]["state"].as_str(), now[0]["version"].as_i64()),
        (Some("expired"), Some(2))
    );
    assert_eq!(now[0]["author"], "operator:Ana");
    let out = cli(&["silence", "expire", "--db", db, "--id", "1"]);
    assert!(text(&out).contains("has expired"), "{}", text(&out));
}
