//! The endpoint fed by a real Alertmanager (Debian's `prometheus-alertmanager`, 0.25), set up as
//! the README says: its webhook receiver and its PagerDuty receiver, each with the token in
//! `http_config`. Alerts fired at Alertmanager's API become events on both routes; resolving
//! them completes those events.

use crate::support::{request, Desk};
use eventdesk_sources::http::HttpConfig;
use serde_json::json;
use std::net::{SocketAddr, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const TOKEN: &str = "alertmanager-test-token-0123";

/// An Alertmanager of its own: a temp folder, a free port, no cluster.
struct Alertmanager {
    child: Child,
    address: SocketAddr,
    dir: tempfile::TempDir,
}

impl Drop for Alertmanager {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Alertmanager {
    fn start(config: &str) -> Alertmanager {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("alertmanager.yml"), config).unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let address: SocketAddr = ([127, 0, 0, 1], port).into();
        let binary = std::env::var("EVENTDESK_TEST_ALERTMANAGER")
            .unwrap_or_else(|_| "prometheus-alertmanager".into());
        let log = std::fs::File::create(dir.path().join("alertmanager.log")).unwrap();
        let child = Command::new(&binary)
            .arg(format!(
                "--config.file={}",
                dir.path().join("alertmanager.yml").display()
            ))
            .arg(format!(
                "--storage.path={}",
                dir.path().join("data").display()
            ))
            .arg(format!("--web.listen-address={address}"))
            .arg("--cluster.listen-address=")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {binary}: {e}. These tests need Alertmanager: \
                     `scripts/setup.sh --e2e` installs Debian's prometheus-alertmanager"
                )
            });
        let alertmanager = Alertmanager {
            child,
            address,
            dir,
        };
        alertmanager.wait_until(Duration::from_secs(30), "ready", |am| {
            TcpStream::connect(am.address).is_ok()
                && request(am.address, "GET /-/ready HTTP/1.1", b"").status == 200
        });
        alertmanager
    }

    /// Fires (or, with `ends_at` in the past, resolves) one alert through Alertmanager's API.
    fn post_alert(&self, instance: &str, ends_at: Option<&str>) {
        let mut alert = json!({
            "labels": { "alertname": "DiskFull", "instance": instance, "severity": "critical" },
            "annotations": { "summary": format!("Disk full on {instance}") },
            "generatorURL": "http://prometheus.example/graph",
        });
        if let Some(ends_at) = ends_at {
            alert["startsAt"] = json!("2026-01-01T00:00:00Z");
            alert["endsAt"] = json!(ends_at);
        }
        let body = json!([alert]).to_string();
        let answer = request(
            self.address,
            "POST /api/v2/alerts HTTP/1.1\r\nContent-Type: application/json",
            body.as_bytes(),
        );
        assert_eq!(answer.status, 200, "{:?}", answer.body);
    }

    /// Waits for `done`, failing with Alertmanager's log after `limit`.
    fn wait_until(&self, limit: Duration, what: &str, done: impl Fn(&Alertmanager) -> bool) {
        let started = Instant::now();
        while !done(self) {
            if started.elapsed() > limit {
                let log = std::fs::read_to_string(self.dir.path().join("alertmanager.log"))
                    .unwrap_or_default();
                panic!("not {what} after {limit:?}; Alertmanager's log:\n{log}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn a_real_alertmanager_fires_and_resolves_through_both_routes() {
    let desk = Desk::new();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = desk.serve(&rt, &HttpConfig::loopback(0, TOKEN)).unwrap();
    let endpoint = server.address();
    // The README's lines, with a short group wait so that the test does not wait 30 s.
    let config = format!(
        "route:
  receiver: eventdesk
  group_by: [alertname, instance]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: eventdesk
    webhook_configs:
      - url: http://{endpoint}/alertmanager
        http_config: {{ authorization: {{ credentials: {TOKEN} }} }}
    pagerduty_configs:
      - routing_key: any
        url: http://{endpoint}/v2/enqueue
        http_config: {{ authorization: {{ credentials: {TOKEN} }} }}
"
    );
    let am = Alertmanager::start(&config);
    am.post_alert("db-7", None);
    // One event from each route: the webhook's keyed by the alert's fingerprint, PagerDuty's by
    // Alertmanager's group key.
    let by = |actor: &str, status: &str| {
        desk.rows()
            .iter()
            .filter(|r| r.3 == format!("source:{actor}") && r.2 == status)
            .count()
    };
    am.wait_until(Duration::from_secs(30), "fired on both routes", |_| {
        by("alertmanager", "open") == 1 && by("pagerduty", "open") == 1
    });
    let titles: Vec<String> = (1..=2)
        .map(|id| desk.store.get_event(id).unwrap().event.title)
        .collect();
    assert!(
        titles.iter().any(|t| t == "Disk full on db-7"),
        "{titles:?}"
    );
    assert_eq!(server.activity().counts.rejected, 0);
    // Resolved at Alertmanager: both events complete, by their sources.
    am.post_alert("db-7", Some("2026-01-01T00:01:00Z"));
    am.wait_until(Duration::from_secs(30), "resolved on both routes", |_| {
        by("alertmanager", "completed") == 1 && by("pagerduty", "completed") == 1
    });
    assert_eq!(desk.rows().len(), 2, "{:?}", desk.rows());
}

#[test]
fn a_real_alertmanager_firing_into_a_desks_silence_is_muted_there() {
    use eventdesk_core::model::parse_matchers;
    use eventdesk_core::{Actor, EventQuery, SilenceDraft};
    let desk = Desk::new();
    let now = desk.store.clock().now_ms();
    let silence = desk
        .store
        .add_silence(
            &SilenceDraft {
                matchers: parse_matchers(r#"{label.alertname="DiskFull", label.instance="db-9"}"#)
                    .unwrap(),
                starts_at: None,
                ends_at: now + 3_600_000,
                comment: "db-9 is being rebuilt".into(),
            },
            &Actor::User,
        )
        .unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = desk.serve(&rt, &HttpConfig::loopback(0, TOKEN)).unwrap();
    let endpoint = server.address();
    let config = format!(
        "route:
  receiver: eventdesk
  group_by: [alertname, instance]
  group_wait: 0s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: eventdesk
    webhook_configs:
      - url: http://{endpoint}/alertmanager
        http_config: {{ authorization: {{ credentials: {TOKEN} }} }}
"
    );
    let am = Alertmanager::start(&config);
    am.post_alert("db-9", None);
    am.post_alert("db-8", None);
    am.wait_until(Duration::from_secs(30), "both alerts arrived", |_| {
        desk.rows().len() == 2
    });
    // The silenced one is kept, unchanged, and left out of the default view, counted.
    let page = desk.store.list_events(&EventQuery::new(1, 10)).unwrap();
    let titles: Vec<&str> = page.rows.iter().map(|e| e.title.as_str()).collect();
    assert_eq!(titles, ["Disk full on db-8"]);
    assert_eq!(page.silenced, 1);
    let muted = desk.store.muted(&[1, 2]).unwrap();
    assert_eq!(muted.len(), 1);
    let event = desk.store.get_event(muted[0]).unwrap();
    assert_eq!(event.event.title, "Disk full on db-9");
    assert_eq!(event.event.status, eventdesk_core::Status::Open);
    assert!(event
        .labels
        .iter()
        .any(|l| l.key == "instance" && l.value == "db-9"));
    assert_eq!(silence.id, 1);
}
