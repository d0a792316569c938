//! Team desks through a real RabbitMQ stream (`EVENTDESK_TEST_AMQP`, set by scripts/test.sh):
//! headless replicas (`replicate`) of one stream holding 10,000 events and 2,000 operators'
//! actions, a fifth of them conflicting, end with identical `dump --team` output, conflicts
//! included; a replica killed with SIGKILL and restarted, and one stopped while messages
//! arrive, catch up to the same state; `act` publishes an action every desk applies.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;

use support::{broker, cli, with_input};

/// Runs `cmd` with `input`, asserting it succeeds; its standard output.
fn run(cmd: &mut Command, input: &str) -> String {
    let out = with_input(cmd, input);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{cmd:?}: {stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

/// A stream of its own for one test.
fn new_stream(url: &str, name: &str) -> String {
    let stream = format!("team-{name}-{}-{:08x}", std::process::id(), rand_u32());
    run(
        cli().args([
            "declare",
            "--amqp",
            url,
            "--queue",
            &stream,
            "--max-age",
            "1D",
        ]),
        "",
    );
    stream
}

fn rand_u32() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
}

fn publish(url: &str, stream: &str, lines: &[String]) {
    let out = run(
        cli().args(["publish", "--amqp", url, "--queue", stream]),
        &lines.join("\n"),
    );
    assert!(out.contains(&format!("published {}", lines.len())), "{out}");
}

/// PagerDuty triggers `from..to`, each with a key of its own.
fn events(from: usize, to: usize) -> Vec<String> {
    (from..to)
        .map(|i| {
            let severity = ["info", "warning", "error", "critical"][i % 4];
            json!({ "event_action": "trigger", "dedup_key": format!("k{i}"),
                "payload": { "summary": format!("Disk filling on db-{i}"), "source": format!("db-{}", i % 40),
                             "severity": severity } })
            .to_string()
        })
        .collect()
}

fn replicate(db: &Path, url: &str, stream: &str) -> Command {
    let mut c = cli();
    c.args([
        "replicate",
        "--db",
        db.to_str().unwrap(),
        "--amqp",
        url,
        "--stream",
        stream,
        "--until-idle",
        "2",
    ]);
    c
}

fn dump(db: &Path) -> String {
    run(
        cli().args(["dump", "--team", "--db", db.to_str().unwrap()]),
        "",
    )
}

fn lines(dump: &str) -> Vec<Value> {
    dump.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

struct Desks {
    _dir: tempfile::TempDir,
    url: String,
    stream: String,
}

impl Desks {
    fn new(name: &str) -> Desks {
        let url = broker();
        let stream = new_stream(&url, name);
        Desks {
            _dir: tempfile::tempdir().unwrap(),
            url,
            stream,
        }
    }

    fn db(&self, desk: &str) -> PathBuf {
        self._dir.path().join(format!("{desk}.db"))
    }

    fn replicate(&self, desk: &str) -> Command {
        replicate(&self.db(desk), &self.url, &self.stream)
    }

    /// Replicates until the desk has applied the stream up to `offset` (`--until-idle` may
    /// end a run early on a loaded machine: a new run goes on from where it stopped).
    fn replicate_to(&self, desk: &str, offset: i64) {
        for _ in 0..5 {
            if stored_offset(&self.db(desk), &self.stream) >= offset {
                return;
            }
            run(&mut self.replicate(desk), "");
        }
        assert_eq!(
            stored_offset(&self.db(desk), &self.stream),
            offset,
            "{desk}"
        );
    }
}

#[test]
fn three_replicas_of_one_stream_end_identical_conflicts_included() {
    let desks = Desks::new("three");
    publish(&desks.url, &desks.stream, &events(0, 10_000));
    desks.replicate_to("a", 10_000);
    let seen: HashMap<String, i64> = lines(&dump(&desks.db("a")))
        .iter()
        .filter_map(|l| Some((l["team"].as_str()?.to_owned(), l["version"].as_i64()?)))
        .collect();
    assert_eq!(seen.len(), 10_000);

    // 2,000 actions by three operators on what desk A showed: 1,600 on events of their own,
    // and 400 more on one of those events with the same version, as if a second operator
    // clicked at the same moment. Either may come first in the stream; one of each pair wins.
    let operators = ["alice", "bob", "carol"];
    let mut actions = Vec::new();
    for i in 0..1_600_usize {
        let key = (i * 6).to_string();
        let verb = if i % 3 == 0 {
            "complete"
        } else {
            "acknowledge"
        };
        let message = |n: usize, op: &str| {
            json!({ "eventdesk": "action", "id": format!("t-{i}-{n}"), "desk": format!("desk-{op}"),
                    "operator": op, "action": verb,
                    "targets": [{ "event": key, "expectedVersion": seen[&key] }] })
            .to_string()
        };
        actions.push(message(0, operators[i % 3]));
        if i % 4 == 0 {
            let rival = message(1, operators[(i + 1) % 3]);
            // Half the rivals come first.
            if i % 8 == 0 {
                actions.insert(actions.len() - 1, rival);
            } else {
                actions.push(rival);
            }
        }
    }
    assert_eq!(actions.len(), 2_000);
    // Desk A is stopped while the actions and 1,000 more events arrive.
    publish(&desks.url, &desks.stream, &actions[..1_000]);
    publish(&desks.url, &desks.stream, &events(10_000, 11_000));
    publish(&desks.url, &desks.stream, &actions[1_000..]);

    // Desk A catches up; desks B and C start empty, side by side.
    let b = desks.replicate("b").stdout(Stdio::null()).spawn().unwrap();
    let c = desks.replicate("c").stdout(Stdio::null()).spawn().unwrap();
    desks.replicate_to("a", 13_000);
    for mut child in [b, c] {
        assert!(child.wait().unwrap().success());
    }
    desks.replicate_to("b", 13_000);
    desks.replicate_to("c", 13_000);
    let a = dump(&desks.db("a"));
    assert_eq!(a, dump(&desks.db("b")), "desks A and B differ");
    assert_eq!(a, dump(&desks.db("c")), "desks A and C differ");

    let all = lines(&a);
    assert_eq!(
        all.iter().filter(|l| l.get("team").is_some()).count(),
        11_000
    );
    let outcomes: Vec<&Value> = all.iter().filter(|l| l.get("actionId").is_some()).collect();
    assert_eq!(outcomes.len(), 2_000);
    let conflicts: Vec<&&Value> = outcomes
        .iter()
        .filter(|l| l["outcome"] == "conflict")
        .collect();
    assert_eq!(conflicts.len(), 400, "one conflict per rival pair");
    assert_eq!(
        outcomes.iter().filter(|l| l["outcome"] == "done").count(),
        1_600
    );
    // Each conflict names the operator whose action on that event was applied.
    let done_by: HashMap<&str, &str> = outcomes
        .iter()
        .filter(|l| l["outcome"] == "done")
        .map(|l| {
            (
                l["event"].as_str().unwrap(),
                l["operator"].as_str().unwrap(),
            )
        })
        .collect();
    for c in conflicts {
        let event = c["event"].as_str().unwrap();
        assert_eq!(
            c["winner"].as_str().unwrap(),
            format!("operator:{}", done_by[event]),
            "{c}"
        );
        assert_ne!(c["operator"], done_by[event]);
    }
}

/// The replica's stored offset, or 0 before it has one.
fn stored_offset(db: &Path, stream: &str) -> i64 {
    rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .and_then(|c| {
            c.query_row(
                "SELECT next_offset FROM ingest_offsets WHERE source = ?1",
                [format!("team:{stream}")],
                |r| r.get(0),
            )
        })
        .unwrap_or(0)
}

#[test]
fn a_replica_killed_midway_and_restarted_ends_identical() {
    let desks = Desks::new("kill");
    let total = 30_000;
    publish(&desks.url, &desks.stream, &events(0, total));
    let mut victim = desks
        .replicate("victim")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while stored_offset(&desks.db("victim"), &desks.stream) == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "nothing was applied"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    victim.kill().unwrap(); // SIGKILL
    victim.wait().unwrap();
    let at_kill = stored_offset(&desks.db("victim"), &desks.stream);
    assert!(
        at_kill < total as i64,
        "killed after the whole stream ({at_kill}): the test proves nothing"
    );
    desks.replicate_to("victim", total as i64);
    desks.replicate_to("witness", total as i64);
    let victim = dump(&desks.db("victim"));
    assert_eq!(victim.lines().count(), total);
    assert_eq!(victim, dump(&desks.db("witness")));
}

#[test]
fn an_action_published_with_act_is_applied_by_every_desk() {
    let desks = Desks::new("act");
    publish(&desks.url, &desks.stream, &events(0, 3));
    let act = |operator: &str, action: &str, event: &str, version: &str| {
        run(
            cli().args([
                "act",
                "--amqp",
                &desks.url,
                "--stream",
                &desks.stream,
                "--operator",
                operator,
                "--action",
                action,
                "--event",
                event,
                "--expected-version",
                version,
            ]),
            "",
        )
        .trim()
        .to_owned()
    };
    let first = act("alice", "acknowledge", "1", "1");
    let second = act("bob", "complete", "1", "1");
    assert_ne!(first, second);
    desks.replicate_to("a", 5);
    let a = lines(&dump(&desks.db("a")));
    assert_eq!(a[1]["status"], "acknowledged");
    assert_eq!(a[1]["lastActor"], "operator:alice");
    let outcome = |id: &str| {
        a.iter()
            .find(|l| l["actionId"] == id)
            .unwrap_or_else(|| panic!("no outcome for {id}"))
            .clone()
    };
    assert_eq!(outcome(&first)["outcome"], "done");
    assert_eq!(outcome(&second)["outcome"], "conflict");
    assert_eq!(outcome(&second)["winner"], "operator:alice");

    // Bad input is refused before anything is published; a broker that is not there is
    // named.
    let out = cli()
        .args([
            "declare",
            "--amqp",
            &desks.url,
            "--queue",
            "x",
            "--max-age",
            "7 days",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let refused = |url: &str, stream: &str| {
        cli()
            .args([
                "act",
                "--amqp",
                url,
                "--stream",
                stream,
                "--operator",
                "alice",
                "--action",
                "complete",
                "--event",
                "1",
                "--expected-version",
                "2",
            ])
            .output()
            .unwrap()
    };
    let out = refused(&desks.url, "has space");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("stream"));
    let out = refused("amqp://guest:guest@127.0.0.1:1/%2f", "ops");
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("RabbitMQ"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn local_writes_into_a_team_file_are_refused_and_the_file_is_unchanged() {
    let desks = Desks::new("local");
    publish(&desks.url, &desks.stream, &events(0, 3));
    desks.replicate_to("a", 3);
    let db = desks.db("a");
    let before = dump(&db);
    let db_arg = db.to_str().unwrap();
    // Refused when the file is opened, before any input is read.
    let refusals = [
        vec!["ingest", "--db", db_arg],
        vec!["simulate", "--db", db_arg, "--changes", "5"],
        vec!["escalate", "--db", db_arg, "--id", "1"],
        vec!["seed", "--db", db_arg, "--events", "5"],
        vec!["run", "--db", db_arg, "--rate", "10", "--seconds", "1"],
    ];
    for args in refusals {
        let out = cli().args(&args).stdin(Stdio::null()).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(
            stderr.contains(&format!("replica of the team stream {}", desks.stream)),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(dump(&db), before);
    // The stream still applies.
    publish(&desks.url, &desks.stream, &events(3, 4));
    desks.replicate_to("a", 4);
    assert_eq!(lines(&dump(&db)).len(), lines(&before).len() + 1);
}
