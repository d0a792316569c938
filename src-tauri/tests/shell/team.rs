//! Team mode as the window drives it, against a broker of its own that the test stops and
//! starts again (scripts/rabbitmq.sh halt/resume): actions go through the stream and come
//! back; with the broker away an action is refused with `Offline` and reads keep working;
//! once it is back the desk catches up with what other desks did meanwhile.

use super::{shell_with_env, Shell};
use eventdesk_sources::amqp::{Broker as Nodes, Publisher, QueueKind};
use serde_json::{json, Value};
use std::process::Command;
use std::time::{Duration, Instant};

const SCRIPT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../scripts/rabbitmq.sh");

/// A private RabbitMQ node, stopped (and its folder removed) when dropped.
struct Broker {
    url: String,
    folder: String,
}

impl Broker {
    fn start() -> Broker {
        let out = Command::new("bash")
            .args([SCRIPT, "start"])
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
                .to_owned()
        };
        Broker {
            url: value("EVENTDESK_TEST_AMQP"),
            folder: value("EVENTDESK_TEST_RABBITMQ"),
        }
    }

    fn run(&self, command: &str) {
        let out = Command::new("bash")
            .args([SCRIPT, command, &self.folder])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{command}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// The broker's URL as `user` (whose password is its name), without the password.
    fn url_as(&self, user: &str) -> String {
        let (_, host) = self.url.rsplit_once('@').unwrap();
        format!("amqp://{user}@{host}")
    }

    /// Publishes to `stream` (declared first) as `user`, trying again while a node that has
    /// just started is still bringing the stream back.
    fn publish(&self, user: &str, stream: &str, bodies: Vec<Vec<u8>>) {
        let started = Instant::now();
        let broker = Nodes::parse(&self.url_as(user), Some(user)).unwrap();
        loop {
            let sent = tauri::async_runtime::block_on(async {
                let p = Publisher::connect(&broker).await?;
                // A producer may publish, not declare.
                if user != "producer" {
                    p.declare(stream, QueueKind::Stream, None, None, None)
                        .await?;
                }
                p.publish("", stream, bodies.clone()).await
            });
            match sent {
                Ok(_) => return,
                Err(e) if started.elapsed() < Duration::from_secs(30) => {
                    eprintln!("publishing again: {e}");
                    std::thread::sleep(Duration::from_millis(250));
                }
                Err(e) => panic!("cannot publish: {e}"),
            }
        }
    }
}

impl Broker {
    /// Publishes one `body` to the fanout `exchange` as `user` (the broker sets and checks its
    /// `user_id`).
    fn send(&self, user: &str, exchange: &str, body: Vec<u8>) {
        let broker = Nodes::parse(&self.url_as(user), Some(user)).unwrap();
        tauri::async_runtime::block_on(async {
            let p = Publisher::connect(&broker).await?;
            p.publish(exchange, "", [body]).await
        })
        .unwrap();
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = Command::new("bash")
            .args([SCRIPT, "stop", &self.folder])
            .status();
    }
}

fn trigger(key: &str) -> Vec<u8> {
    json!({ "event_action": "trigger", "dedup_key": key,
            "payload": { "summary": format!("Replica lag ({key})"), "source": "db-7", "severity": "error" } })
    .to_string()
    .into_bytes()
}

fn bob_completes(event: &str, version: i64) -> Vec<u8> {
    json!({ "eventdesk": "action", "id": format!("bob-{event}"), "desk": "desk-b",
            "action": "complete", "targets": [{ "event": event, "expectedVersion": version }] })
    .to_string()
    .into_bytes()
}

/// Alice's roster message making bob an operator and dave a viewer.
fn roster() -> Vec<u8> {
    json!({ "eventdesk": "roster", "id": "r1",
            "set": [{ "user": "bob", "role": "operator", "name": "Bob B." },
                    { "user": "dave", "role": "viewer", "name": null }] })
    .to_string()
    .into_bytes()
}

fn wait_for(what: &str, mut done: impl FnMut() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "waited a minute for {what}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn page(s: &Shell) -> Vec<Value> {
    s.list(1, 50).unwrap()["rows"].as_array().unwrap().clone()
}

fn replica_state(s: &Shell) -> String {
    let status = s.invoke("team_status", json!({})).unwrap();
    status["replica"]["state"]["state"]
        .as_str()
        .unwrap_or("")
        .to_owned()
}

#[test]
fn a_team_desk_acts_through_the_stream_is_offline_without_its_broker_and_catches_up() {
    let broker = Broker::start();
    let stream = format!("shell-team-{}", std::process::id());
    broker.publish("alice", &stream, vec![roster()]);
    broker.publish(
        "producer",
        &stream,
        vec![trigger("a"), trigger("b"), trigger("c")],
    );
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("desk.db");
    let (url, team) = (broker.url_as("alice"), format!("{stream}/alice"));
    let s = shell_with_env(&path, dir, move |var| match var {
        "EVENTDESK_TEAM" => Some(team.clone()),
        "EVENTDESK_AMQP_URL" => Some(url.clone()),
        "EVENTDESK_AMQP_PASSWORD" => Some("alice".into()),
        "EVENTDESK_DESK" => Some("desk-a".into()),
        "EVENTDESK_SIM" => Some("off".into()),
        _ => None,
    });
    let status = s.invoke("team_status", json!({})).unwrap();
    assert_eq!(
        (status["operator"].as_str(), status["desk"].as_str()),
        (Some("alice"), Some("desk-a"))
    );
    wait_for("the team's three events", || page(&s).len() == 3);
    let status = s.invoke("team_status", json!({})).unwrap();
    assert_eq!(status["team"], format!("{stream}/alice"));
    assert_eq!(status["roster"][1]["name"], "Bob B.", "{status}");
    // The desk hears its own announcement on the team's presence exchange.
    wait_for("this desk in the team's presence", || {
        let status = s.invoke("team_status", json!({})).unwrap();
        status["desks"].as_array().is_some_and(|desks| {
            desks.iter().any(|d| {
                d["desk"] == "desk-a"
                    && d["me"] == true
                    && d["online"] == true
                    && d["nextOffset"] == 4
            })
        })
    });

    // Presence is taken from users on the roster only, as the broker proved them: carol (not
    // on the roster) is not heard; bob is, as bob, whatever his announcement says. Sent in
    // this order on one channel, bob's arrives last: once it shows, carol's was read.
    let announce = |user: &str, desk: &str, operator: &str| {
        let body =
            json!({ "desk": desk, "operator": operator, "nextOffset": 4, "simulating": false });
        broker.send(
            user,
            &format!("{stream}.presence"),
            body.to_string().into_bytes(),
        );
    };
    announce("carol", "desk-c", "carol");
    announce("bob", &"b".repeat(48), "bob");
    announce("bob", "desk-b", "alice");
    wait_for("bob's desk in the team's presence", || {
        let status = s.invoke("team_status", json!({})).unwrap();
        status["desks"]
            .as_array()
            .is_some_and(|desks| desks.iter().any(|d| d["desk"] == "desk-b"))
    });
    let status = s.invoke("team_status", json!({})).unwrap();
    let heard: Vec<(String, String)> = status["desks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (
                d["desk"].as_str().unwrap().to_owned(),
                d["operator"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(
        heard,
        [
            ("desk-a".to_owned(), "alice".to_owned()),
            ("desk-b".to_owned(), "bob".to_owned())
        ],
        "{status}"
    );

    // Through the stream and back: the answer is the event as it is after the action.
    let event = s
        .invoke(
            "acknowledge_event",
            json!({ "id": 1, "expectedVersion": 1 }),
        )
        .unwrap();
    assert_eq!(event["status"], "acknowledged");
    assert_eq!(event["updatedBy"], "operator:alice");
    assert_eq!(event["teamKey"], "1");
    // A stale version is a conflict on every desk, naming who got there first.
    let conflict = s
        .invoke("complete_event", json!({ "id": 1, "expectedVersion": 1 }))
        .unwrap_err();
    assert_eq!(conflict["type"], "Conflict", "{conflict}");
    assert_eq!(conflict["data"]["current"]["updatedBy"], "operator:alice");

    // The broker goes away: reads work, an action is refused and nothing changes.
    broker.run("halt");
    wait_for("the desk to say it is offline", || {
        replica_state(&s) == "offline"
    });
    let refused = s
        .invoke("complete_event", json!({ "id": 2, "expectedVersion": 1 }))
        .unwrap_err();
    assert_eq!(refused["type"], "Offline", "{refused}");
    assert!(refused["data"]["since"].as_i64().unwrap() > 0);
    let rows = page(&s);
    assert_eq!(rows.len(), 3);
    assert!(rows.iter().all(|r| r["status"] != "completed"), "{rows:?}");

    // Back: what another desk did meanwhile (here, once the broker is up) arrives.
    broker.run("resume");
    broker.publish("producer", &stream, vec![trigger("d")]);
    broker.publish("bob", &stream, vec![bob_completes("2", 1)]);
    wait_for("the desk to catch up", || {
        let rows = page(&s);
        rows.len() == 4
            && rows
                .iter()
                .any(|r| r["status"] == "completed" && r["completedBy"] == "operator:bob")
    });
    assert_eq!(replica_state(&s), "connected");
    let done = s
        .invoke("complete_event", json!({ "id": 3, "expectedVersion": 1 }))
        .unwrap();
    assert_eq!(done["completedBy"], "operator:alice");

    // The simulator of a team desk publishes to the stream: its events reach this desk from
    // there (as the team's source), and the team hears that this desk simulates.
    let mut settings = s.invoke("simulator_status", json!({})).unwrap()["settings"].clone();
    settings["running"] = json!(true);
    settings["rate"] = json!(50.0);
    s.invoke("set_simulator", json!({ "settings": settings }))
        .unwrap();
    let source = format!("source:team:{stream}");
    wait_for("the simulator's events, from the stream", || {
        page(&s)
            .iter()
            .filter(|r| {
                r["updatedBy"] == source.as_str()
                    && r["dedupKey"]
                        .as_str()
                        .is_some_and(|k| k.starts_with("sim-desk-a-"))
            })
            .count()
            >= 10
    });
    wait_for("the team to hear this desk simulates", || {
        let status = s.invoke("team_status", json!({})).unwrap();
        status["desks"][0]["simulating"] == true
    });
    settings["running"] = json!(false);
    s.invoke("set_simulator", json!({ "settings": settings }))
        .unwrap();
}
