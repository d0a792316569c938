//! Team desks through a real RabbitMQ stream (`EVENTDESK_TEST_AMQP`, set by scripts/test.sh),
//! each broker user proving who publishes (scripts/rabbitmq.sh makes guest, alice, bob, carol,
//! dave and a publish-only producer): headless replicas (`replicate`) of one stream holding
//! 10,000 events and 2,000 operators' actions, a fifth of them conflicting, end with identical
//! `dump --team` output, conflicts included; a replica killed with SIGKILL and restarted catches
//! up to the same state; a forged action by a producer and a viewer's action change nothing and
//! are refused alike everywhere; oversized messages are refused and the replica goes on within
//! its memory; a stream re-created under the same name is refused, not skipped.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;

use support::{broker, cli, cli_as, with_input};

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

fn rand_u32() -> u32 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos()
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

/// An action message on one event, as a desk publishes it (who acts is the publisher).
fn action(id: &str, verb: &str, event: &str, version: i64) -> String {
    json!({ "eventdesk": "action", "id": id, "desk": "test", "action": verb,
            "targets": [{ "event": event, "expectedVersion": version }] })
    .to_string()
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

/// A team of its own for one test, founded by alice on the test broker, with bob and carol as
/// operators and dave as a viewer: the stream's offsets 0 and 1.
struct Team {
    dir: tempfile::TempDir,
    url: String,
    stream: String,
}

/// The offset of the team's first message after its roster.
const FIRST: usize = 2;

impl Team {
    fn new(name: &str) -> Team {
        let url = broker();
        let stream = format!("team-{name}-{}-{:08x}", std::process::id(), rand_u32());
        let joined = run(
            cli_as("alice", &url).args([
                "create-team",
                "--stream",
                &stream,
                "--max-age",
                "1D",
                "--name",
                "Alice A.",
            ]),
            "",
        );
        assert_eq!(joined.trim(), format!("{stream}/alice"));
        run(
            cli_as("alice", &url).args([
                "roster",
                "--stream",
                &stream,
                "--set",
                "bob=operator",
                "--set",
                "carol=operator:Carol C.",
                "--set",
                "dave=viewer",
            ]),
            "",
        );
        Team {
            dir: tempfile::tempdir().unwrap(),
            url,
            stream,
        }
    }

    fn join(&self) -> String {
        format!("{}/alice", self.stream)
    }

    fn db(&self, desk: &str) -> PathBuf {
        self.dir.path().join(format!("{desk}.db"))
    }

    /// Publishes `lines` as `user`.
    fn publish_as(&self, user: &str, lines: &[String]) {
        let out = run(
            cli_as(user, &self.url).args(["publish", "--queue", &self.stream]),
            &lines.join("\n"),
        );
        assert!(out.contains(&format!("published {}", lines.len())), "{out}");
    }

    /// A replica of the team at `desk`, until no message came for two seconds.
    fn replicate(&self, desk: &str) -> Command {
        self.replicate_until_idle(desk, "2")
    }

    fn replicate_until_idle(&self, desk: &str, idle: &str) -> Command {
        let mut c = cli_as("guest", &self.url);
        c.args([
            "replicate",
            "--db",
            self.db(desk).to_str().unwrap(),
            "--team",
            &self.join(),
            "--until-idle",
            idle,
        ]);
        c
    }

    /// Replicates until the desk has applied the stream up to `offset` (`--until-idle` may
    /// end a run early on a loaded machine: a new run goes on from where it stopped).
    fn replicate_to(&self, desk: &str, offset: usize) {
        let offset = offset as i64;
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
    let team = Team::new("three");
    team.publish_as("producer", &events(0, 10_000));
    team.replicate_to("a", FIRST + 10_000);
    let seen: HashMap<String, i64> = lines(&dump(&team.db("a")))
        .iter()
        .filter_map(|l| Some((l["team"].as_str()?.to_owned(), l["version"].as_i64()?)))
        .collect();
    assert_eq!(seen.len(), 10_000);

    // 2,000 actions by three operators on what desk A showed: 1,600 on events of their own,
    // and 400 more on one of those events with the same version, as if a second operator
    // clicked at the same moment. Whichever comes first in the stream wins.
    let operators = ["alice", "bob", "carol"];
    let mut by: HashMap<&str, Vec<String>> = HashMap::new();
    for i in 0..1_600_usize {
        let key = (FIRST + i * 6).to_string();
        let verb = if i % 3 == 0 {
            "complete"
        } else {
            "acknowledge"
        };
        let version = seen[&key];
        let mut act = |n: usize, op: &'static str| {
            by.entry(op)
                .or_default()
                .push(action(&format!("t-{i}-{n}"), verb, &key, version));
        };
        act(0, operators[i % 3]);
        if i % 4 == 0 {
            act(1, operators[(i + 1) % 3]);
        }
    }
    assert_eq!(by.values().map(Vec::len).sum::<usize>(), 2_000);
    // Desk A is stopped while the actions and 1,000 more events arrive.
    team.publish_as("carol", &by["carol"]);
    team.publish_as("producer", &events(10_000, 11_000));
    team.publish_as("alice", &by["alice"]);
    team.publish_as("bob", &by["bob"]);
    let end = FIRST + 13_000;

    // Desk A catches up; desks B and C start empty, side by side.
    let b = team.replicate("b").stdout(Stdio::null()).spawn().unwrap();
    let c = team.replicate("c").stdout(Stdio::null()).spawn().unwrap();
    team.replicate_to("a", end);
    for mut child in [b, c] {
        assert!(child.wait().unwrap().success());
    }
    team.replicate_to("b", end);
    team.replicate_to("c", end);
    let a = dump(&team.db("a"));
    assert_eq!(a, dump(&team.db("b")), "desks A and B differ");
    assert_eq!(a, dump(&team.db("c")), "desks A and C differ");

    let all = lines(&a);
    assert_eq!(
        all.iter().filter(|l| l.get("team").is_some()).count(),
        11_000
    );
    let outcomes: Vec<&Value> = all
        .iter()
        .filter(|l| l.get("actionId").is_some() && l.get("outcome").is_some())
        .collect();
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
    // Each conflict names the operator whose action on that event was applied: the user
    // RabbitMQ proved.
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
    // The roster, as every desk has it.
    let members: Vec<(&str, &str)> = all
        .iter()
        .filter_map(|l| Some((l["member"].as_str()?, l["role"].as_str()?)))
        .collect();
    assert_eq!(
        members,
        [
            ("alice", "admin"),
            ("bob", "operator"),
            ("carol", "operator"),
            ("dave", "viewer")
        ]
    );
}

#[test]
fn a_replica_killed_midway_and_restarted_ends_identical() {
    let team = Team::new("kill");
    let total = 30_000;
    team.publish_as("producer", &events(0, total));
    let mut victim = team
        .replicate("victim")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while stored_offset(&team.db("victim"), &team.stream) <= FIRST as i64 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "nothing was applied"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    victim.kill().unwrap(); // SIGKILL
    victim.wait().unwrap();
    let at_kill = stored_offset(&team.db("victim"), &team.stream);
    assert!(
        at_kill < (FIRST + total) as i64,
        "killed after the whole stream ({at_kill}): the test proves nothing"
    );
    team.replicate_to("victim", FIRST + total);
    team.replicate_to("witness", FIRST + total);
    let victim = dump(&team.db("victim"));
    assert_eq!(
        victim.lines().filter(|l| l.contains("\"team\"")).count(),
        total
    );
    assert_eq!(victim, dump(&team.db("witness")));
}

#[test]
fn only_the_roster_acts_whoever_can_publish_and_every_desk_refuses_alike() {
    let team = Team::new("proof");
    team.publish_as("producer", &events(0, 3));
    let act = |user: &str, verb: &str, event: &str| {
        run(
            cli_as(user, &team.url).args([
                "act",
                "--stream",
                &team.stream,
                "--action",
                verb,
                "--event",
                event,
                "--expected-version",
                "1",
            ]),
            "",
        )
        .trim()
        .to_owned()
    };
    // The producer may publish, so it can put an action on the stream, and even a copy of
    // bob's action (same id) on another event: neither is applied anywhere.
    let forged = act("producer", "complete", "2");
    let bobs = act("bob", "acknowledge", "3");
    team.publish_as(
        "producer",
        &[
            action(&bobs, "complete", "4", 1),
            action("new", "complete", "4", 1),
        ],
    );
    // Bob republishing his own action is a copy too; the viewer's action is refused.
    team.publish_as("bob", &[action(&bobs, "complete", "4", 1)]);
    let viewers = act("dave", "complete", "4");
    let carols = act("carol", "complete", "4");
    let end = FIRST + 3 + 7;
    team.replicate_to("a", end);
    team.replicate_to("b", end);
    let a = dump(&team.db("a"));
    assert_eq!(a, dump(&team.db("b")), "two desks, the same refusals");

    let all = lines(&a);
    let event = |key: &str| all.iter().find(|l| l["team"] == key).unwrap().clone();
    assert_eq!(
        event("2")["status"],
        "open",
        "the forged action changed nothing"
    );
    assert_eq!(event("3")["status"], "acknowledged");
    assert_eq!(event("3")["lastActor"], "operator:bob");
    assert_eq!(event("4")["status"], "completed");
    assert_eq!(event("4")["lastActor"], "operator:carol");
    let refused: HashMap<&str, &str> = all
        .iter()
        .filter(|l| l.get("rejected").is_some())
        .filter_map(|l| Some((l["actionId"].as_str()?, l["reason"].as_str()?)))
        .collect();
    assert!(
        refused[forged.as_str()].contains("producer is not on the team's roster"),
        "{refused:?}"
    );
    assert!(
        refused[bobs.as_str()].contains("a copy is not applied again"),
        "{refused:?}"
    );
    assert!(
        refused["new"].contains("producer is not on the team's roster"),
        "{refused:?}"
    );
    assert!(refused[viewers.as_str()].contains("viewer"), "{refused:?}");
    let outcome = |id: &str| {
        all.iter()
            .find(|l| l["actionId"] == id && l.get("outcome").is_some())
            .map(|l| l["outcome"].as_str().unwrap().to_owned())
    };
    assert_eq!(outcome(&bobs).as_deref(), Some("done"));
    assert_eq!(outcome(&carols).as_deref(), Some("done"));
    assert_eq!(outcome(&forged), None);

    // Only an admin changes the roster: bob's attempt is refused, alice's applies.
    run(
        cli_as("bob", &team.url).args(["roster", "--stream", &team.stream, "--set", "bob=admin"]),
        "",
    );
    run(
        cli_as("alice", &team.url).args(["roster", "--stream", &team.stream, "--remove", "carol"]),
        "",
    );
    let last = act("carol", "reopen", "4");
    team.replicate_to("a", end + 3);
    let all = lines(&dump(&team.db("a")));
    let members: Vec<&str> = all.iter().filter_map(|l| l["member"].as_str()).collect();
    assert_eq!(members, ["alice", "bob", "dave"]);
    assert!(all.iter().any(|l| l["rejected"].is_i64()
        && l["user"] == "bob"
        && l["reason"].as_str().unwrap().contains("only an admin")));
    assert!(all.iter().any(|l| l["actionId"] == last.as_str()
        && l["reason"]
            .as_str()
            .is_some_and(|r| r.contains("carol is not on the team's roster"))));

    // A password is never taken from the command line, and a broker that is not there is
    // named.
    let out = cli()
        .args([
            "act",
            "--amqp",
            "amqp://alice:alice@127.0.0.1:1/%2f",
            "--stream",
            "s",
            "--action",
            "complete",
            "--event",
            "1",
            "--expected-version",
            "2",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("EVENTDESK_AMQP_PASSWORD"));
    let out = cli()
        .args([
            "act",
            "--amqp",
            "amqp://alice@127.0.0.1:1/%2f",
            "--stream",
            "s",
            "--action",
            "complete",
            "--event",
            "1",
            "--expected-version",
            "2",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("RabbitMQ"));
}

#[test]
fn local_writes_into_a_team_file_are_refused_and_the_file_is_unchanged() {
    let team = Team::new("local");
    team.publish_as("producer", &events(0, 3));
    team.replicate_to("a", FIRST + 3);
    let db = team.db("a");
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
            stderr.contains(&format!("replica of the team stream {}", team.stream)),
            "{args:?}: {stderr}"
        );
    }
    assert_eq!(dump(&db), before);
    // The stream still applies.
    team.publish_as("producer", &events(3, 4));
    team.replicate_to("a", FIRST + 4);
    assert_eq!(lines(&dump(&db)).len(), lines(&before).len() + 1);
}

#[test]
fn a_teams_silences_are_made_through_its_stream_by_the_roster_and_every_desk_has_them() {
    let team = Team::new("silence");
    team.publish_as("producer", &events(0, 4));
    let silence = |user: &str, args: &[&str]| {
        let mut c = cli_as(user, &team.url);
        c.args(["silence"])
            .args(args)
            .args(["--stream", &team.stream]);
        with_input(&mut c, "")
    };
    let add = |user: &str, matchers: &str| {
        silence(
            user,
            &[
                "add",
                "--match",
                matchers,
                "--minutes",
                "60",
                "--comment",
                "db-1 maintenance",
            ],
        )
    };
    // Checked before it is published: a bad expression names where it is wrong.
    let bad = add("bob", "source=~\"db-(\"");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("at character"));
    let ok = |out: std::process::Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let bobs = ok(add("bob", "source=\"db-1\""));
    let viewers = ok(add("dave", "source=\"db-2\""));
    let producers = ok(add("producer", "source=\"db-3\""));
    team.replicate_to("a", FIRST + 4 + 3);
    // Bob's silence is named by its key on every desk: he ends it; a stale version is refused.
    let stale = ok(silence(
        "carol",
        &["expire", "--key", &bobs, "--expected-version", "2"],
    ));
    let ended = ok(silence(
        "bob",
        &["expire", "--key", &bobs, "--expected-version", "1"],
    ));
    let end = FIRST + 4 + 5;
    team.replicate_to("a", end);
    team.replicate_to("b", end);
    let a = dump(&team.db("a"));
    assert_eq!(a, dump(&team.db("b")), "two desks, the same silences");
    let all = lines(&a);
    let versions: Vec<&Value> = all.iter().filter_map(|l| l.get("silence")).collect();
    assert_eq!(versions.len(), 2, "{a}");
    assert_eq!(versions[0]["author"], "operator:bob");
    assert_eq!(versions[0]["matchers"][0]["value"], "db-1");
    assert_eq!(versions[1]["version"], 2);
    assert!(versions[1]["endsAt"].as_i64() < versions[0]["endsAt"].as_i64());
    let refused: HashMap<&str, &str> = all
        .iter()
        .filter(|l| l.get("rejected").is_some())
        .filter_map(|l| Some((l["actionId"].as_str()?, l["reason"].as_str()?)))
        .collect();
    assert!(refused[viewers.as_str()].contains("viewer"), "{refused:?}");
    assert!(
        refused[producers.as_str()].contains("producer is not on the team's roster"),
        "{refused:?}"
    );
    assert!(
        refused[stale.as_str()].contains("changed since"),
        "{refused:?}"
    );
    assert!(!refused.contains_key(bobs.as_str()) && !refused.contains_key(ended.as_str()));
    // The replica lists it as expired; a silence made in the team's file by hand is refused.
    let db = team.db("a");
    let listed = run(
        cli().args(["silence", "list", "--db", db.to_str().unwrap()]),
        "",
    );
    let listed = lines(&listed);
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0]["state"], "expired");
    assert_eq!(listed[0]["author"], "operator:bob");
    let out = cli()
        .args([
            "silence",
            "add",
            "--db",
            db.to_str().unwrap(),
            "--match",
            "source=db-0",
            "--minutes",
            "5",
            "--comment",
            "x",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains(&team.stream));
    assert_eq!(dump(&db), a);
}

#[test]
fn a_teams_snoozes_go_through_its_stream_and_every_desk_holds_the_same_times() {
    let team = Team::new("snooze");
    team.publish_as("producer", &events(0, 3));
    let snooze = |user: &str, event: &str, version: &str, when: &[&str]| {
        let mut c = cli_as(user, &team.url);
        c.args(["snooze", "--stream", &team.stream, "--event", event])
            .args(["--expected-version", version])
            .args(when);
        with_input(&mut c, "")
    };
    let ok = |out: std::process::Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    };
    let bobs = ok(snooze("bob", "2", "1", &["--minutes", "90"]));
    let viewers = ok(snooze("dave", "3", "1", &["--minutes", "5"]));
    let carols = ok(snooze("carol", "4", "1", &["--minutes", "5"]));
    let woken = ok(snooze("carol", "4", "2", &["--wake"]));
    let end = FIRST + 3 + 4;
    team.replicate_to("a", end);
    team.replicate_to("b", end);
    let a = dump(&team.db("a"));
    assert_eq!(a, dump(&team.db("b")), "two desks, the same snoozes");
    let all = lines(&a);
    let event = |key: &str| all.iter().find(|l| l["team"] == key).unwrap().clone();
    let until = event("2")["snoozedUntil"].as_i64().expect("snoozed");
    let now = eventdesk_core::clock::now_ms();
    assert!(
        until > now + 80 * 60_000 && until <= now + 90 * 60_000,
        "{until}"
    );
    assert_eq!(event("2")["lastActor"], "operator:bob");
    assert!(event("3").get("snoozedUntil").is_none());
    assert!(event("4").get("snoozedUntil").is_none());
    assert_eq!(event("4")["version"], 3);
    let outcome = |id: &str| {
        all.iter()
            .find(|l| l["actionId"] == id)
            .map(|l| {
                (
                    l["action"].clone(),
                    l.get("outcome").cloned(),
                    l.get("reason").cloned(),
                )
            })
            .unwrap()
    };
    assert_eq!(outcome(&bobs).0, "snooze");
    assert_eq!(outcome(&carols).1, Some(Value::from("done")));
    assert_eq!(outcome(&woken).0, "wake");
    assert!(outcome(&viewers)
        .2
        .unwrap()
        .as_str()
        .unwrap()
        .contains("viewer"));
}

/// Peak resident memory of a process so far, in MB (Linux: /proc).
#[cfg(target_os = "linux")]
fn peak_rss_mb(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kb / 1024
}

#[test]
#[cfg(target_os = "linux")]
fn oversized_messages_are_refused_the_replica_goes_on_and_stays_within_its_memory() {
    let team = Team::new("big");
    // 100 messages of 4 MiB among 1,000 normal ones, published in runs of ten.
    let huge = json!({ "event_action": "trigger", "dedup_key": "huge",
        "payload": { "summary": "huge", "source": "db", "severity": "error",
                     "custom_details": { "blob": "x".repeat(4 * 1024 * 1024) } } })
    .to_string();
    for round in 0..10 {
        team.publish_as("producer", &events(round * 100, round * 100 + 100));
        team.publish_as("producer", &vec![huge.clone(); 10]);
    }
    let end = FIRST + 1_100;
    let mut child = team
        .replicate_until_idle("a", "3600")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while stored_offset(&team.db("a"), &team.stream) < end as i64 {
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "the replica did not go on"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    let peak = peak_rss_mb(child.id());
    child.kill().unwrap();
    child.wait().unwrap();
    eprintln!("replica peak RSS with 100 messages of 4 MiB: {peak} MB");
    assert!(peak < 400, "peak RSS {peak} MB");
    team.replicate_to("b", end);
    let a = dump(&team.db("a"));
    assert_eq!(a, dump(&team.db("b")));
    let all = lines(&a);
    assert_eq!(
        all.iter().filter(|l| l.get("team").is_some()).count(),
        1_000
    );
    let refused: Vec<&Value> = all.iter().filter(|l| l.get("rejected").is_some()).collect();
    assert_eq!(refused.len(), 100);
    assert!(refused
        .iter()
        .all(|r| r["size"].as_i64().unwrap() > 4 * 1024 * 1024
            && r["reason"]
                .as_str()
                .unwrap()
                .contains("more than the 262144")));
}

#[test]
fn a_stream_recreated_under_the_same_name_is_refused_not_skipped() {
    let team = Team::new("recreated");
    team.publish_as("producer", &events(0, 5));
    team.replicate_to("a", FIRST + 5);
    let before = dump(&team.db("a"));
    // The stream is deleted and declared again, and gets as many messages as before and more.
    let deleted = cli_as("guest", &team.url)
        .args(["declare", "--queue", &team.stream, "--delete"])
        .output()
        .unwrap();
    assert!(
        deleted.status.success(),
        "{}",
        String::from_utf8_lossy(&deleted.stderr)
    );
    run(
        cli_as("alice", &team.url).args(["create-team", "--stream", &team.stream]),
        "",
    );
    team.publish_as("producer", &events(100, 110));
    let out = team.replicate("a").output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("is not the one this desk's file was made from"),
        "{stderr}"
    );
    assert!(stderr.contains("EVENTDESK_DB"), "{stderr}");
    assert_eq!(
        dump(&team.db("a")),
        before,
        "nothing of the new stream was applied"
    );
}
