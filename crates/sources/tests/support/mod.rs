//! What the sources' tests share: a database in a temp folder, messages in both formats, a
//! plain HTTP/1.1 client (so that requests can be as wrong as a test needs), and the broker.

#![allow(dead_code)]

use eventdesk_core::services::ingest::{Format, Ingester};
use eventdesk_core::{Actor, CommitFeed, Store, SystemClock};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

pub struct Desk {
    pub dir: tempfile::TempDir,
    pub store: Arc<Store>,
}

impl Desk {
    pub fn new() -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let (feed, _rx) = CommitFeed::new();
        let store =
            Store::open(&dir.path().join("events.db"), feed, Arc::new(SystemClock)).unwrap();
        Desk {
            dir,
            store: Arc::new(store),
        }
    }

    pub fn path(&self) -> PathBuf {
        self.dir.path().join("events.db")
    }

    pub fn ingester(&self, name: &str, format: Format) -> Ingester {
        Ingester::for_store(&self.store, Actor::source(name).unwrap(), name, format).unwrap()
    }

    /// The HTTP endpoint on `config`, its two routes applying to this desk's file.
    pub fn serve(
        &self,
        rt: &tokio::runtime::Runtime,
        config: &eventdesk_sources::http::HttpConfig,
    ) -> eventdesk_core::Result<eventdesk_sources::http::HttpServer> {
        rt.block_on(eventdesk_sources::http::serve(
            config,
            self.ingester("pagerduty", Format::PagerDuty),
            self.ingester("alertmanager", Format::Alertmanager),
        ))
    }

    /// Every event and change, by plain SQL: (events, changes).
    pub fn counts(&self) -> (i64, i64) {
        let conn = rusqlite::Connection::open(self.path()).unwrap();
        let events = conn
            .query_row("SELECT count(*) FROM events", [], |r| r.get(0))
            .unwrap();
        let changes = conn
            .query_row("SELECT count(*) FROM changes", [], |r| r.get(0))
            .unwrap();
        (events, changes)
    }

    /// (dedup key, occurrences, status, updated_by, completed_by) of each event, by id.
    pub fn rows(&self) -> Vec<(String, i64, String, String, Option<String>)> {
        let conn = rusqlite::Connection::open(self.path()).unwrap();
        let mut stmt = conn
            .prepare(
                "SELECT coalesce(dedup_key, ''), occurrences, status, updated_by, completed_by \
                 FROM events ORDER BY id",
            )
            .unwrap();
        stmt.query_map([], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect()
    }
}

pub fn trigger(key: &str, summary: &str, severity: &str) -> Value {
    json!({
        "routing_key": "unused-by-queues",
        "event_action": "trigger",
        "dedup_key": key,
        "payload": { "summary": summary, "source": "db-7", "severity": severity,
                     "component": "postgres", "custom_details": { "free_mb": 12 } },
        "links": [{ "href": "https://runbooks.example/disk", "text": "Runbook" },
                  { "href": "javascript:alert(1)", "text": "not a web link" }],
    })
}

pub fn pd_action(action: &str, key: &str) -> Value {
    json!({ "routing_key": "unused-by-queues", "event_action": action, "dedup_key": key })
}

/// An Alertmanager webhook message with `alerts` (fingerprint, status, severity).
pub fn alertmanager(alerts: &[(&str, &str, &str)]) -> Value {
    json!({
        "version": "4",
        "groupKey": "{}:{alertname=\"DiskFull\"}",
        "status": "firing",
        "receiver": "eventdesk",
        "externalURL": "http://alertmanager.example:9093",
        "alerts": alerts.iter().map(|(fingerprint, status, severity)| json!({
            "status": status,
            "labels": { "alertname": "DiskFull", "instance": format!("db-{fingerprint}"), "severity": severity },
            "annotations": { "summary": format!("Disk full on db-{fingerprint}"), "runbook_url": "https://runbooks.example/disk" },
            "startsAt": "2026-11-26T08:00:00Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus.example/graph",
            "fingerprint": fingerprint,
        })).collect::<Vec<_>>(),
    })
}

/// An HTTP answer: status and body (JSON when it parses, else the text as a string).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Value,
}

/// Sends one request, raw, and reads the answer (the connection closes after it).
pub fn request(address: SocketAddr, head: &str, body: &[u8]) -> Answer {
    let mut stream = TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    // A head that names its own Host keeps it.
    let host = if head.to_ascii_lowercase().contains("\r\nhost:") {
        String::new()
    } else {
        format!("\r\nHost: {address}")
    };
    let head = format!(
        "{head}{host}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).unwrap();
    // The server may answer (413) before it has read everything and close.
    let _ = stream.write_all(body);
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no HTTP answer: {text:?}"));
    let body = text.split_once("\r\n\r\n").map_or("", |(_, b)| b);
    Answer {
        status,
        body: serde_json::from_str(body).unwrap_or_else(|_| Value::String(body.to_owned())),
    }
}

/// POSTs JSON to `path` with the bearer `token` (none when empty).
pub fn post(address: SocketAddr, path: &str, token: &str, body: &Value) -> Answer {
    let auth = if token.is_empty() {
        String::new()
    } else {
        format!("\r\nAuthorization: Bearer {token}")
    };
    request(
        address,
        &format!("POST {path} HTTP/1.1\r\nContent-Type: application/json{auth}"),
        body.to_string().as_bytes(),
    )
}

/// The test broker's URL. `scripts/test.sh` starts a private node and sets it; run alone:
/// `eval "$(bash scripts/rabbitmq.sh start)"` first.
pub fn broker() -> String {
    std::env::var("EVENTDESK_TEST_AMQP").unwrap_or_else(|_| {
        panic!(
            "EVENTDESK_TEST_AMQP is not set: these tests need RabbitMQ. Start a private node with \
             `eval \"$(bash scripts/rabbitmq.sh start)\"` (scripts/test.sh does)"
        )
    })
}

/// A queue name no other test uses.
pub fn unique(prefix: &str) -> String {
    format!("{prefix}-{:016x}", rand_u64())
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos(),
    );
    h.finish()
}

/// Waits (up to 30 s, looking every 20 ms) until `done`, or fails naming `what`.
pub fn wait(what: &str, mut done: impl FnMut() -> bool) {
    let started = std::time::Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "waited 30 s for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}
