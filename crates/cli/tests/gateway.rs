//! The gateway (`eventdesk-cli gateway`) and a team on a broker cluster, against real RabbitMQ
//! nodes: what the gateway accepts over HTTP or standard input reaches every desk, answered 202
//! only once the broker confirmed it, 400 for what no desk would take, 503 with Retry-After
//! while the broker is away; SIGTERM stops it cleanly. On a cluster of three nodes, the node the
//! replicas and the gateway are connected to is killed while events and actions flow: they go
//! on through another node, and every replica ends identical with nothing lost or doubled.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
// test code: failing loudly is the point
// SIGTERM, and a cluster from scripts/rabbitmq.sh (Debian's package): Unix, and Linux.
#![cfg(unix)]

use serde_json::{json, Value};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

mod support;

use support::{broker, cli, cli_as, wait_within, with_input};

const TOKEN: &str = "gateway-token-0123456789";

fn run(cmd: &mut Command) -> String {
    let out = with_input(cmd, "");
    assert!(
        out.status.success(),
        "{cmd:?}: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn unique(name: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!("gw-{name}-{}-{nanos:08x}", std::process::id())
}

fn trigger(key: &str) -> Value {
    json!({ "routing_key": "ignored", "event_action": "trigger", "dedup_key": key,
            "payload": { "summary": format!("Queue depth high ({key})"), "source": "mq-7", "severity": "warning" } })
}

/// An HTTP answer: status, headers (lower-case names) and JSON body.
struct Answer {
    status: u16,
    headers: HashMap<String, String>,
    body: Value,
}

fn post(address: SocketAddr, path: &str, token: &str, body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    let auth = if token.is_empty() {
        String::new()
    } else {
        format!("Authorization: Bearer {token}\r\n")
    };
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\n{auth}Content-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let headers = lines
        .filter_map(|l| l.split_once(": "))
        .map(|(k, v)| (k.to_ascii_lowercase(), v.to_owned()))
        .collect();
    Answer {
        status,
        headers,
        body: serde_json::from_str(body).unwrap_or(Value::String(body.to_owned())),
    }
}

/// A running gateway: its process, its address, and its standard output's lines.
struct Gateway {
    child: Child,
    address: SocketAddr,
    lines: mpsc::Receiver<String>,
}

impl Gateway {
    /// Starts a gateway into `stream` as `user` at `urls`, waiting for its readiness line.
    fn start(user: &str, urls: &str, stream: &str) -> Gateway {
        let mut child = cli_as(user, urls)
            .env("EVENTDESK_HTTP_TOKEN", TOKEN)
            .args(["gateway", "--stream", stream, "--listen", "127.0.0.1:0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let (tx, lines) = mpsc::channel();
        let out = BufReader::new(child.stdout.take().unwrap());
        std::thread::spawn(move || {
            for line in out.lines().map_while(Result::ok) {
                let _ = tx.send(line);
            }
        });
        let ready = lines.recv_timeout(Duration::from_secs(30)).unwrap();
        assert!(
            ready.starts_with("gateway ready: listening on http://"),
            "{ready}"
        );
        assert!(!ready.contains(&format!("{user}:{user}")), "{ready}");
        let address = ready
            .trim_start_matches("gateway ready: listening on http://")
            .split(',')
            .next()
            .unwrap()
            .parse()
            .unwrap();
        Gateway {
            child,
            address,
            lines,
        }
    }

    /// Stops it with SIGTERM; its exit status and closing line.
    fn terminate(mut self) -> (bool, String) {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success());
        let status = wait_within(&mut self.child, Duration::from_secs(30))
            .expect("the gateway did not stop within 30 s of SIGTERM");
        let last = self.lines.recv_timeout(Duration::from_secs(5)).unwrap();
        (status.success(), last)
    }
}

fn dump(db: &Path) -> String {
    run(cli().args(["dump", "--team", "--db", db.to_str().unwrap()]))
}

fn lines(dump: &str) -> Vec<Value> {
    dump.lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// Replicates `team` at `urls` into `db` until nothing came for two seconds.
fn replicate(urls: &str, team: &str, db: &Path) {
    run(cli_as("guest", urls).args([
        "replicate",
        "--db",
        db.to_str().unwrap(),
        "--team",
        team,
        "--until-idle",
        "2",
    ]));
}

#[test]
fn the_gateway_publishes_what_it_takes_after_the_confirm_and_refuses_the_rest() {
    let url = broker();
    let stream = unique("http");
    let team = run(cli_as("alice", &url).args(["create-team", "--stream", &stream]));
    let team = team.trim();
    // The gateway logs in as a user who may only publish.
    let gateway = Gateway::start("producer", &url, &stream);
    let at = gateway.address;
    for key in ["a", "b", "c"] {
        let answer = post(
            at,
            "/v2/enqueue",
            TOKEN,
            trigger(key).to_string().as_bytes(),
        );
        assert_eq!(answer.status, 202, "{}", answer.body);
        assert_eq!(answer.body["status"], "success");
    }
    let alertmanager = json!({ "version": "4", "status": "firing", "alerts": [
        { "status": "firing", "labels": { "alertname": "DiskFull", "severity": "critical" },
          "annotations": { "summary": "Disk full on db-7" }, "fingerprint": "f1" } ] });
    assert_eq!(
        post(
            at,
            "/alertmanager",
            TOKEN,
            alertmanager.to_string().as_bytes()
        )
        .status,
        202
    );
    // Refused before anything is published: no token, not JSON, the wrong route's format, too
    // large for the team.
    assert_eq!(post(at, "/v2/enqueue", "", b"{}").status, 401);
    assert_eq!(post(at, "/v2/enqueue", TOKEN, b"{oops").status, 400);
    assert_eq!(
        post(
            at,
            "/alertmanager",
            TOKEN,
            trigger("x").to_string().as_bytes()
        )
        .status,
        400
    );
    let big = json!({ "event_action": "trigger", "dedup_key": "big",
        "payload": { "summary": "big", "source": "s", "severity": "info",
                     "custom_details": { "blob": "x".repeat(300 * 1024) } } });
    let refused = post(at, "/v2/enqueue", TOKEN, big.to_string().as_bytes());
    assert_eq!(refused.status, 400, "{}", refused.body);
    assert!(
        refused.body.to_string().contains("262144"),
        "{}",
        refused.body
    );

    // SIGTERM: it stops cleanly and says what it published.
    let (ok, last) = gateway.terminate();
    assert!(ok, "{last}");
    let summary: Value = serde_json::from_str(&last).unwrap();
    assert_eq!(summary["published"], 4, "{summary}");
    assert_eq!(summary["rejected"], 3, "{summary}");

    // Standard input: each good line published, the bad ones named; it ends with the input.
    let out = with_input(
        cli_as("producer", &url).args(["gateway", "--stream", &stream, "--stdin"]),
        &format!("{}\nnot json\n{}\n", trigger("d"), trigger("e")),
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("line 2:"), "{stderr}");

    // Every message taken is on every desk, as the team's.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("desk.db");
    replicate(&url, team, &db);
    let all = lines(&dump(&db));
    let keys: Vec<&str> = all.iter().filter_map(|l| l["dedupKey"].as_str()).collect();
    assert_eq!(keys.len(), 6, "{all:?}");
    for key in ["a", "b", "c", "d", "e"] {
        assert!(keys.contains(&key), "{key}: {keys:?}");
    }
    assert!(all
        .iter()
        .filter(|l| l.get("team").is_some())
        .all(|l| l["lastActor"] == format!("source:team:{stream}")));

    // With the broker away it answers 503 and asks to be sent again, never 202.
    let closed = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let away = Gateway::start(
        "producer",
        &format!("amqp://x@127.0.0.1:{closed}/%2f"),
        &stream,
    );
    let answer = post(
        away.address,
        "/v2/enqueue",
        TOKEN,
        trigger("f").to_string().as_bytes(),
    );
    assert_eq!(answer.status, 503, "{}", answer.body);
    assert_eq!(
        answer.headers.get("retry-after").map(String::as_str),
        Some("5")
    );
    let (ok, _) = away.terminate();
    assert!(ok);
}

/// A team on a cluster of three nodes (scripts/rabbitmq.sh, Debian's package: Linux).
#[cfg(target_os = "linux")]
mod cluster {
    use super::*;
    use std::path::PathBuf;
    use std::time::Instant;
    use support::as_user;

    const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../scripts/rabbitmq.sh");

    /// A cluster of RabbitMQ nodes of this test's own, stopped when dropped.
    struct Cluster {
        urls: String,
        folders: Vec<String>,
        /// Held until the cluster is stopped.
        _turn: std::sync::MutexGuard<'static, ()>,
    }

    impl Cluster {
        /// Starts a cluster; one test's cluster at a time (two would share two cores).
        fn start(nodes: usize) -> Cluster {
            static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());
            let turn = ONE_AT_A_TIME
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let out = Command::new("bash")
                .args([SCRIPT, "cluster", &nodes.to_string()])
                .output()
                .unwrap();
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let text = String::from_utf8(out.stdout).unwrap();
            let value = |name: &str| {
                text.lines()
                    .find_map(|l| l.strip_prefix(&format!("export {name}=")))
                    .unwrap_or_else(|| panic!("{name} not in {text}"))
                    .trim_matches('"')
                    .to_owned()
            };
            Cluster {
                urls: as_user(&value("EVENTDESK_TEST_CLUSTER_URLS"), "guest"),
                folders: value("EVENTDESK_TEST_CLUSTER")
                    .split(' ')
                    .map(str::to_owned)
                    .collect(),
                _turn: turn,
            }
        }

        /// `kill`, `pause`, `unpause` or `resume` the node at `node` (scripts/rabbitmq.sh).
        fn signal(&self, what: &str, node: usize) {
            let status = Command::new("bash")
                .args([SCRIPT, what, &self.folders[node]])
                .status()
                .unwrap();
            assert!(status.success());
        }

        /// Which node a "connected to URL" line names.
        fn node_of(&self, line: &str) -> usize {
            let host = line.rsplit_once('@').unwrap().1;
            self.urls
                .split(',')
                .position(|u| u.ends_with(host))
                .unwrap_or_else(|| panic!("{line}"))
        }
    }

    impl Drop for Cluster {
        fn drop(&mut self) {
            let _ = Command::new("bash")
                .arg(SCRIPT)
                .arg("stop")
                .args(&self.folders)
                .status();
        }
    }

    /// A long-running replica whose standard error lines are read with the time they came.
    fn replica(urls: &str, team: &str, db: &Path) -> (Child, mpsc::Receiver<(Instant, String)>) {
        let mut child = cli_as("guest", urls)
            .args(["replicate", "--db", db.to_str().unwrap(), "--team", team])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let (tx, rx) = mpsc::channel();
        let err = BufReader::new(child.stderr.take().unwrap());
        std::thread::spawn(move || {
            for line in err.lines().map_while(Result::ok) {
                let _ = tx.send((Instant::now(), line));
            }
        });
        (child, rx)
    }

    /// The latest "connected to" line among those that came so far, if any.
    fn latest_node(lines: &mpsc::Receiver<(Instant, String)>) -> Option<String> {
        let mut latest = None;
        while let Ok((_, line)) = lines.try_recv() {
            if line.starts_with("connected to ") {
                latest = Some(line);
            }
        }
        latest
    }

    /// Waits for a line that says the replica is connected to a node other than `not`: when it
    /// came, and the line.
    fn connected_elsewhere(
        lines: &mpsc::Receiver<(Instant, String)>,
        not: &str,
    ) -> (Instant, String) {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let (at, line) = lines
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
                .unwrap_or_else(|_| panic!("the replica did not connect to another node"));
            if line.starts_with("connected to ") && !line.ends_with(not) {
                return (at, line);
            }
        }
    }

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
    fn on_a_cluster_a_dead_node_is_left_for_another_and_every_replica_ends_identical() {
        let cluster = Cluster::start(3);
        let urls = cluster.urls.clone();
        let first_node = urls
            .split(',')
            .next()
            .unwrap()
            .rsplit_once('@')
            .unwrap()
            .1
            .to_owned();
        let stream = unique("cluster");
        let team = run(cli_as("alice", &urls).args([
            "create-team",
            "--stream",
            &stream,
            "--replicas",
            "3",
        ]));
        let team = team.trim().to_owned();
        run(cli_as("alice", &urls).args(["roster", "--stream", &stream, "--set", "bob=operator"]));
        let dir = tempfile::tempdir().unwrap();
        let db = |name: &str| -> PathBuf { dir.path().join(format!("{name}.db")) };

        // Everyone connects to the first node first.
        let gateway = Gateway::start("producer", &urls, &stream);
        let (mut a, a_lines) = replica(&urls, &team, &db("a"));
        let (mut b, _b_lines) = replica(&urls, &team, &db("b"));
        let post_events = |from: usize, to: usize| {
            let mut sent: HashMap<String, usize> = HashMap::new();
            for i in from..to {
                let key = format!("k{i}");
                // As Alertmanager does: a 503 is sent again (for a minute at most).
                let since = Instant::now();
                loop {
                    assert!(
                        since.elapsed() < Duration::from_secs(60),
                        "the gateway refused {key} for a minute"
                    );
                    *sent.entry(key.clone()).or_default() += 1;
                    let answer = post(
                        gateway.address,
                        "/v2/enqueue",
                        TOKEN,
                        trigger(&key).to_string().as_bytes(),
                    );
                    if answer.status == 202 {
                        break;
                    }
                    assert_eq!(answer.status, 503, "{}", answer.body);
                    std::thread::sleep(Duration::from_millis(100));
                }
            }
            sent
        };
        let mut sent = post_events(0, 300);
        let started = Instant::now();
        while stored_offset(&db("a"), &stream) < 302 {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "desk A did not apply the first events"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        // Events 0..300 have team keys 2..302: bob acts on the first 100 while more events come,
        // and the node everyone is connected to dies in the middle.
        let actions = std::thread::spawn({
            let urls = urls.clone();
            let stream = stream.clone();
            move || {
                let mut ids = Vec::new();
                for key in 2..102 {
                    let out = with_input(
                        cli_as("bob", &urls).args([
                            "act",
                            "--stream",
                            &stream,
                            "--action",
                            "acknowledge",
                            "--event",
                            &key.to_string(),
                            "--expected-version",
                            "1",
                        ]),
                        "",
                    );
                    // An action whose node died under it is not confirmed: bob sends it again.
                    if out.status.success() {
                        ids.push(String::from_utf8_lossy(&out.stdout).trim().to_owned());
                    }
                }
                ids
            }
        });
        let more = std::thread::scope(|scope| {
            let flow = scope.spawn(|| post_events(300, 1_300));
            let since = Instant::now();
            while stored_offset(&db("a"), &stream) < 600 {
                assert!(
                    since.elapsed() < Duration::from_secs(60) && !flow.is_finished(),
                    "desk A did not reach offset 600"
                );
                std::thread::sleep(Duration::from_millis(20));
            }
            // The node desk A is connected to now (its latest word) is killed.
            let on = latest_node(&a_lines).unwrap_or_else(|| format!("connected to {first_node}"));
            let victim = cluster.node_of(&on);
            let killed = Instant::now();
            cluster.signal("kill", victim);
            let victim_url = on.trim_start_matches("connected to ").to_owned();
            let (a_back, _) = connected_elsewhere(&a_lines, &victim_url);
            let resumed = a_back.duration_since(killed);
            eprintln!("desk A connected to another node {resumed:?} after its node was killed");
            assert!(resumed < Duration::from_secs(10), "took {resumed:?}");
            flow.join().unwrap()
        });
        sent.extend(more);
        let acted = actions.join().unwrap();
        assert!(
            acted.len() >= 90,
            "only {} of bob's actions were confirmed",
            acted.len()
        );
        let (ok, _) = gateway.terminate();
        assert!(ok);
        for child in [&mut a, &mut b] {
            let _ = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
            wait_within(child, Duration::from_secs(30))
                .expect("a replica did not stop within 30 s of SIGINT");
        }
        // Both go on to the end of the stream (and a third, new desk reads it all): identical.
        replicate(&urls, &team, &db("a"));
        replicate(&urls, &team, &db("b"));
        replicate(&urls, &team, &db("c"));
        let dump_a = dump(&db("a"));
        assert_eq!(dump_a, dump(&db("b")), "desks A and B differ");
        assert_eq!(dump_a, dump(&db("c")), "desks A and C differ");

        // Nothing lost, nothing doubled: one event for each key taken, raised at most as often as
        // it was sent; each action of bob's confirmed applied once.
        let all = lines(&dump_a);
        let events: Vec<&Value> = all.iter().filter(|l| l.get("team").is_some()).collect();
        assert_eq!(events.len(), 1_300);
        for e in &events {
            let key = e["dedupKey"].as_str().unwrap();
            assert!(
                e["occurrences"].as_u64().unwrap() as usize <= sent[key],
                "{e}"
            );
        }
        let applied: Vec<&str> = all
            .iter()
            .filter(|l| l.get("outcome").is_some())
            .map(|l| l["actionId"].as_str().unwrap())
            .collect();
        for id in &acted {
            assert_eq!(applied.iter().filter(|a| *a == id).count(), 1, "{id}");
        }
    }

    #[test]
    fn a_node_that_hangs_is_noticed_by_its_silence_and_left_for_another() {
        let cluster = Cluster::start(3);
        let urls = cluster.urls.clone();
        let stream = unique("hung");
        let team = run(cli_as("alice", &urls).args([
            "create-team",
            "--stream",
            &stream,
            "--replicas",
            "3",
        ]));
        let team = team.trim().to_owned();
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a.db");
        let (mut a, a_lines) = replica(&urls, &team, &db);
        let (_, line) = connected_elsewhere(&a_lines, "nowhere");
        // A hung node (SIGSTOP) closes nothing: its silence is what tells.
        let hung = cluster.node_of(&line);
        let frozen = Instant::now();
        cluster.signal("pause", hung);
        let hung_url = line.trim_start_matches("connected to ").to_owned();
        let (moved, _) = connected_elsewhere(&a_lines, &hung_url);
        let noticed = moved.duration_since(frozen);
        eprintln!("the replica left a hung node for another {noticed:?} after it froze");
        // The replica's check notices in about 6 s; the cluster itself needs its net tick (10 s
        // here) and an election before another node serves the stream.
        assert!(noticed < Duration::from_secs(40), "took {noticed:?}");
        // It goes on from there.
        let published = with_input(
            cli_as("producer", &urls).args(["publish", "--queue", &stream]),
            &trigger("after").to_string(),
        );
        assert!(
            published.status.success(),
            "{}",
            String::from_utf8_lossy(&published.stderr)
        );
        let started = Instant::now();
        while stored_offset(&db, &stream) < 2 {
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "nothing applied after the move"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        cluster.signal("unpause", hung);
        let _ = Command::new("kill")
            .args(["-INT", &a.id().to_string()])
            .status();
        wait_within(&mut a, Duration::from_secs(30))
            .expect("the replica did not stop within 30 s of SIGINT");
    }
}
