//! `eventdesk-cli ingest` killed with SIGKILL in the middle of a RabbitMQ stream or queue and
//! started again: every message is applied exactly once (the stream's offset is committed with
//! the changes; the queue's redeliveries are recognised). Needs the test broker
//! (`EVENTDESK_TEST_AMQP`, set by scripts/test.sh). Also standard input from a pipe.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test code: failing loudly is the point

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod support;

use support::{broker, cli, with_input};

const MESSAGES: usize = 20_000;

/// `count` PagerDuty triggers: 10% raise an earlier key again. Returns (lines, distinct keys).
fn messages(count: usize) -> (String, usize) {
    let mut text = String::new();
    let mut keys = 0;
    for i in 0..count {
        let key = if i % 10 == 9 {
            i - 5
        } else {
            keys += 1;
            i
        };
        text.push_str(&format!(
            "{{\"event_action\":\"trigger\",\"dedup_key\":\"k{key}\",\"payload\":{{\"summary\":\"Disk full on db-{key}\",\"source\":\"db-{key}\",\"severity\":\"error\",\"custom_details\":{{\"n\":{i}}}}}}}\n"
        ));
    }
    (text, keys)
}

fn run(cmd: &mut Command, input: &str) -> String {
    let out = with_input(cmd, input);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "{cmd:?}: {text}");
    text
}

/// (events, sum of occurrences, changes) by plain SQL, or zeros before the file has them.
fn counts(db: &Path) -> (i64, i64, i64) {
    let Ok(conn) =
        rusqlite::Connection::open_with_flags(db, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
    else {
        return (0, 0, 0);
    };
    conn.query_row(
        "SELECT (SELECT count(*) FROM events), (SELECT coalesce(sum(occurrences), 0) FROM events), \
         (SELECT count(*) FROM changes)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    )
    .unwrap_or((0, 0, 0))
}

fn killed_midway_then_restarted(kind: &str) {
    let url = broker();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("events.db");
    let queue = format!("kill-{kind}-{}", std::process::id());
    let mut declare = cli();
    declare.args(["declare", "--amqp", &url, "--queue", &queue]);
    if kind == "queue" {
        declare.arg("--classic");
    }
    run(&mut declare, "");
    let (lines, keys) = messages(MESSAGES);
    let published = run(
        cli().args(["publish", "--amqp", &url, "--queue", &queue]),
        &lines,
    );
    assert!(
        published.contains(&format!("published {MESSAGES}")),
        "{published}"
    );

    let ingest = |idle: &str| {
        let mut c = cli();
        c.args([
            "ingest",
            "--db",
            db.to_str().unwrap(),
            "--amqp",
            &url,
            "--queue",
            &queue,
            "--until-idle",
            idle,
        ]);
        if kind == "stream" {
            c.arg("--stream");
        }
        c
    };
    let mut first = ingest("5")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while counts(&db).0 == 0 {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "nothing was applied"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    let at_kill = counts(&db);
    assert!(
        at_kill.1 < MESSAGES as i64,
        "killed after the last message: {at_kill:?}"
    );

    let report = run(&mut ingest("3"), "");
    let (events, occurrences, _) = counts(&db);
    assert_eq!(
        (events, occurrences),
        (keys as i64, MESSAGES as i64),
        "killed at {at_kill:?}; after the restart: {report}"
    );
    let check = cli()
        .args(["check", "--db", db.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
}

#[test]
fn a_stream_consumer_killed_midway_applies_every_message_exactly_once_after_a_restart() {
    killed_midway_then_restarted("stream");
}

#[test]
fn a_queue_consumer_killed_midway_applies_every_message_exactly_once_after_a_restart() {
    killed_midway_then_restarted("queue");
}

#[test]
fn standard_input_names_rejected_lines_and_applies_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("events.db");
    let input = "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\",\"fingerprint\":\"f1\",\"labels\":{\"alertname\":\"DiskFull\",\"severity\":\"page\"}}]}\n\
                 not json\n\
                 {\"event_action\":\"resolve\",\"dedup_key\":\"f1\"}\n";
    let out = with_input(cli().args(["ingest", "--db", db.to_str().unwrap()]), input);
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stdout}{stderr}");
    assert!(
        stderr.contains("line 2: ") && stderr.contains("not JSON"),
        "{stderr}"
    );
    assert!(stderr.contains("1 of 3 lines were rejected"), "{stderr}");
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(
        (
            report["created"].as_i64(),
            report["completed"].as_i64(),
            report["lines"].as_i64()
        ),
        (Some(1), Some(1), Some(3))
    );
    assert_eq!(report["rejectedLines"], serde_json::json!([2]));
    let show = cli()
        .args(["show", "--db", db.to_str().unwrap(), "--id", "1"])
        .output()
        .unwrap();
    let shown: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(shown["event"]["severity"], "critical");
    assert_eq!(shown["event"]["completedBy"], "source:stdin");
    // An actor given by the script.
    let mut child = cli()
        .args([
            "ingest",
            "--db",
            db.to_str().unwrap(),
            "--actor",
            "source:nagios",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(b"{\"event_action\":\"trigger\",\"payload\":{\"summary\":\"Ping lost\",\"source\":\"gw\",\"severity\":\"warning\"}}\n").unwrap();
    assert!(child.wait().unwrap().success());
    let show = cli()
        .args(["show", "--db", db.to_str().unwrap(), "--id", "2"])
        .output()
        .unwrap();
    let shown: serde_json::Value = serde_json::from_slice(&show.stdout).unwrap();
    assert_eq!(shown["event"]["updatedBy"], "source:nagios");
    assert_eq!(shown["event"]["dedupKey"], "eventdesk-2");
    let bad = cli()
        .args([
            "ingest",
            "--db",
            db.to_str().unwrap(),
            "--actor",
            "simulator",
        ])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
}

#[test]
fn until_idle_with_the_broker_away_stops_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("events.db");
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("amqp://guest@127.0.0.1:{closed}/%2f");
    let started = Instant::now();
    let out = cli()
        .args([
            "ingest",
            "--db",
            db.to_str().unwrap(),
            "--amqp",
            &url,
            "--queue",
            "alerts",
            "--stream",
            "--until-idle",
            "2",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("RabbitMQ cannot be reached: stopped after waiting"),
        "{stderr}"
    );
    assert_eq!(stderr.matches("offline:").count(), 1, "{stderr}");
    assert!(
        started.elapsed() < Duration::from_secs(20),
        "took {:?}",
        started.elapsed()
    );
}

#[test]
fn a_dedup_key_is_its_sources_until_dedup_groups_joins_sources() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("events.db");
    let db = db.to_str().unwrap();
    let ingest = |actor: &str, line: &str| -> serde_json::Value {
        let text = run(cli().args(["ingest", "--db", db, "--actor", actor]), line);
        serde_json::from_str(text.trim()).unwrap()
    };
    let trigger = "{\"event_action\":\"trigger\",\"dedup_key\":\"db-7/disk\",\"payload\":{\"summary\":\"Disk full\",\"source\":\"db-7\",\"severity\":\"error\"}}\n";
    let resolve = "{\"event_action\":\"resolve\",\"dedup_key\":\"db-7/disk\"}\n";
    assert_eq!(ingest("source:nagios", trigger)["created"], 1);
    let other = ingest("source:zabbix", resolve);
    assert_eq!(
        (other["completed"].as_i64(), other["ignored"].as_i64()),
        (Some(0), Some(1))
    );
    // A group of one is refused, and nothing changes.
    let bad = cli()
        .args(["dedup-groups", "--db", db, "--join", "nagios"])
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("a group joins 2"),
        "{bad:?}"
    );
    let shown = run(cli().args(["dedup-groups", "--db", db]), "");
    assert_eq!(shown.trim(), "{\"groups\":[]}");
    let set = run(
        cli().args(["dedup-groups", "--db", db, "--join", "nagios, zabbix"]),
        "",
    );
    assert_eq!(set.trim(), "{\"groups\":[[\"nagios\",\"zabbix\"]]}");
    assert_eq!(
        run(cli().args(["dedup-groups", "--db", db]), "").trim(),
        set.trim()
    );
    assert_eq!(ingest("source:zabbix", resolve)["completed"], 1);
    // Cleared: each key is its source's again.
    run(cli().args(["dedup-groups", "--db", db, "--clear"]), "");
    assert_eq!(ingest("source:nagios", trigger)["created"], 1);
    assert_eq!(ingest("source:zabbix", resolve)["ignored"], 1);
}

/// The tool run under `strace`, which records in `trace`, in order, each sync of a file and
/// each write to a file or socket (contents in hex).
fn traced(trace: &Path, args: &[&str]) -> Command {
    let tool = cli();
    let mut traced = Command::new("strace");
    traced
        .args(["-f", "-qq", "-y", "-xx", "-s", "64", "-o"])
        .arg(trace)
        .args(["-e", "trace=fsync,fdatasync,write,writev,sendto,sendmsg"])
        .arg(tool.get_program())
        .args(tool.get_args())
        .envs(tool.get_envs().filter_map(|(k, v)| Some((k, v?))))
        .args(args);
    traced
}

/// Checks that each line of `trace` for which `answered` holds (an acknowledgement sent) comes
/// after a sync of the database's log made since the previous one; returns how many there were.
fn answers_after_syncs(trace: &Path, what: &str, answered: impl Fn(&str) -> bool) -> usize {
    // `-xx` prints the file's path (from `-y`) in hex too.
    let wal: String = "events.db-wal"
        .bytes()
        .map(|b| format!("\\x{b:02x}"))
        .collect();
    let text = std::fs::read_to_string(trace).unwrap();
    let (mut answers, mut synced) = (0, false);
    for line in text.lines() {
        let wal_sync = (line.contains("fdatasync(") || line.contains("fsync("))
            && line.contains(&format!("{wal}>"));
        if wal_sync {
            synced = true;
        } else if answered(line) {
            assert!(
                synced,
                "{what} {} was sent with no sync of the log since the previous one: {line}",
                answers + 1
            );
            answers += 1;
            synced = false;
        }
    }
    answers
}

/// At the write seam, as the kernel sees it: every acknowledgement the tool sends RabbitMQ for
/// a classic queue (which deletes the message) follows a sync of the write-ahead log made after
/// the previous one, so that a power cut can lose nothing the broker was told is applied. An
/// ack is the AMQP frame `basic.ack` (class 60, method 80).
#[test]
fn every_ack_to_the_broker_follows_a_sync_of_what_it_acknowledges() {
    let url = broker();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("events.db");
    let queue = format!("durable-{}", std::process::id());
    run(
        cli().args(["declare", "--amqp", &url, "--queue", &queue, "--classic"]),
        "",
    );
    // More messages than the broker sends ahead (256 at the default limit): several batches,
    // several acks.
    let (lines, keys) = messages(2_000);
    run(
        cli().args(["publish", "--amqp", &url, "--queue", &queue]),
        &lines,
    );
    let trace = dir.path().join("trace.txt");
    let out = traced(
        &trace,
        &[
            "ingest",
            "--db",
            db.to_str().unwrap(),
            "--amqp",
            &url,
            "--queue",
            &queue,
            "--until-idle",
            "1",
        ],
    )
    .output()
    .unwrap_or_else(|e| panic!("cannot run strace ({e}): scripts/setup.sh --e2e installs it"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(counts(&db).1, 2_000);
    assert_eq!(counts(&db).0, keys as i64);
    // A basic.ack method frame: type 1, any channel, size 13, class 60, method 80.
    let ack = regex_lite(r"\x01\x00\x??\x00\x00\x00\x0d\x00\x3c\x00\x50");
    let acks = answers_after_syncs(&trace, "ack", ack);
    assert!(acks >= 2, "{acks} acks");
}

/// The same at the HTTP endpoint: every `202` the tool's endpoint answers (`ingest --listen`,
/// the code a desk's window runs) follows a sync of the log, so a sender told its message was
/// taken never loses it to a power cut.
#[test]
fn every_202_of_the_http_endpoint_follows_a_sync_of_what_it_accepted() {
    use std::io::{BufRead, BufReader, Read};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("events.db");
    let trace = dir.path().join("trace.txt");
    let token = "durable-token-0123456789";
    let mut child = traced(
        &trace,
        &[
            "ingest",
            "--db",
            db.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
        ],
    )
    .env("EVENTDESK_HTTP_TOKEN", token)
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap_or_else(|e| panic!("cannot run strace ({e}): scripts/setup.sh --e2e installs it"));
    // The tool says where it listens.
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut said = String::new();
    let address = loop {
        said.clear();
        assert!(stderr.read_line(&mut said).unwrap() > 0, "the tool ended");
        if let Some(at) = said.trim().strip_prefix("listening on http://") {
            break at.to_owned();
        }
    };
    for i in 0..20 {
        let body = format!("{{\"event_action\":\"trigger\",\"dedup_key\":\"h{i}\",\"payload\":{{\"summary\":\"Disk full\",\"source\":\"db\",\"severity\":\"error\"}}}}");
        let mut stream = std::net::TcpStream::connect(&address).unwrap();
        write!(
            stream,
            "POST /v2/enqueue HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
             Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 202"), "{answer}");
    }
    // Ended as a service manager ends it: SIGTERM to the tool (strace's child).
    let children =
        std::fs::read_to_string(format!("/proc/{0}/task/{0}/children", child.id())).unwrap();
    let tool = children
        .split_whitespace()
        .next()
        .expect("strace started the tool");
    assert!(Command::new("kill")
        .args(["-TERM", tool])
        .status()
        .unwrap()
        .success());
    assert!(child.wait().unwrap().success());
    assert_eq!(counts(&db).0, 20);
    // An answer's head, written to the client's socket.
    let head: String = "HTTP/1.1 202"
        .bytes()
        .map(|b| format!("\\x{b:02x}"))
        .collect();
    let answers = answers_after_syncs(&trace, "202", |line| line.contains(&head));
    assert_eq!(answers, 20);
}

/// Whether a traced line holds `pattern`, where `\x??` stands for any byte (as strace's `-xx`
/// prints them).
fn regex_lite(pattern: &str) -> impl Fn(&str) -> bool {
    let parts: Vec<String> = pattern.split(r"\x??").map(str::to_owned).collect();
    move |line: &str| {
        let mut from = 0;
        while let Some(at) = line[from..].find(&parts[0]) {
            let start = from + at;
            let mut pos = start + parts[0].len();
            let whole = parts[1..].iter().all(|part| {
                // One byte as strace prints it (`\xNN`), then the next part.
                if line.len() < pos + 4 || !line[pos..].starts_with(r"\x") {
                    return false;
                }
                pos += 4;
                let fits = line[pos..].starts_with(part.as_str());
                pos += part.len();
                fits
            });
            if whole {
                return true;
            }
            from = start + 1;
        }
        false
    }
}
