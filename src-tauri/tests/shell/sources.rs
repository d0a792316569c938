//! The sources as the window drives them: the HTTP endpoint from the environment or the
//! Sources panel, its token, RabbitMQ queues added and removed, and links opened.

use super::{shell_with_env, Shell};
use serde_json::{json, Value};
use std::io::{Read, Write};
use std::path::Path;

const TOKEN: &str = "token-from-the-environment";

/// POSTs `body` to the endpoint with `token`; the HTTP status.
fn post(base: &str, path: &str, token: &str, body: &Value) -> u16 {
    let address = base.trim_start_matches("http://");
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    let body = body.to_string();
    write!(
        stream,
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    answer.split(' ').nth(1).unwrap().parse().unwrap()
}

fn trigger(key: &str) -> Value {
    json!({ "event_action": "trigger", "dedup_key": key,
            "payload": { "summary": format!("Disk full ({key})"), "source": "db-7", "severity": "critical" },
            "links": [{ "href": "https://runbooks.example/disk", "text": "Runbook" }] })
}

fn with_env(
    path: &Path,
    dir: tempfile::TempDir,
    vars: &'static [(&'static str, &'static str)],
) -> Shell {
    shell_with_env(path, dir, move |name| {
        if name == "EVENTDESK_SIM" {
            return Some("off".into());
        }
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    })
}

fn listening(s: &Shell) -> String {
    let status = s.invoke("sources_status", json!({})).unwrap();
    status["http"]["listening"]
        .as_str()
        .unwrap_or_else(|| panic!("not listening: {status}"))
        .to_owned()
}

#[test]
fn the_endpoint_from_the_environment_takes_events_that_the_window_lists() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eventdesk.db");
    let s = with_env(
        &path,
        dir,
        &[
            ("EVENTDESK_HTTP_LISTEN", "0"),
            ("EVENTDESK_HTTP_TOKEN", TOKEN),
        ],
    );
    let status = s.invoke("sources_status", json!({})).unwrap();
    assert_eq!(status["http"]["fromEnvironment"], json!(true));
    assert_eq!(
        status["secretsKept"],
        json!(false),
        "tests never use the credential store"
    );
    let base = listening(&s);
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert_eq!(post(&base, "/v2/enqueue", TOKEN, &trigger("disk")), 202);
    assert_eq!(
        post(
            &base,
            "/v2/enqueue",
            "wrong-token-wrong-token",
            &trigger("other")
        ),
        401
    );
    let page = s.list(1, 10).unwrap();
    assert_eq!(page["total"], json!(1));
    assert_eq!(page["rows"][0]["updatedBy"], json!("source:pagerduty"));
    assert_eq!(page["rows"][0]["dedupKey"], json!("disk"));
    // Counts reach the panel.
    let status = s.invoke("sources_status", json!({})).unwrap();
    assert_eq!(status["http"]["activity"]["counts"]["created"], json!(1));
    // The environment's settings are the environment's to change.
    assert_eq!(s.invoke("http_token", json!({})).unwrap(), json!(TOKEN));
    let refused = s.invoke("new_http_token", json!({})).unwrap_err();
    assert!(
        refused.to_string().contains("EVENTDESK_HTTP_TOKEN"),
        "{refused}"
    );
    let refused = s
        .invoke(
            "set_http_endpoint",
            json!({ "enabled": false, "port": 8095 }),
        )
        .unwrap_err();
    assert!(
        refused.to_string().contains("EVENTDESK_HTTP_LISTEN"),
        "{refused}"
    );
}

#[test]
fn the_panel_turns_the_endpoint_on_saves_it_and_a_new_token_replaces_the_old() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eventdesk.db");
    let s = with_env(&path, dir, &[]);
    let off = s.invoke("sources_status", json!({})).unwrap();
    assert_eq!(
        (
            off["http"]["enabled"].clone(),
            off["http"]["listening"].clone()
        ),
        (json!(false), Value::Null)
    );
    let refused = s
        .invoke("set_http_endpoint", json!({ "enabled": true, "port": 80 }))
        .unwrap_err();
    assert_eq!(refused["type"], json!("InvalidInput"), "{refused}");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let on = s
        .invoke(
            "set_http_endpoint",
            json!({ "enabled": true, "port": port }),
        )
        .unwrap();
    assert_eq!(
        on["http"]["listening"],
        json!(format!("http://127.0.0.1:{port}"))
    );
    let base = listening(&s);
    let old = s
        .invoke("http_token", json!({}))
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(old.len(), 32);
    assert_eq!(post(&base, "/v2/enqueue", &old, &trigger("a")), 202);
    let new = s
        .invoke("new_http_token", json!({}))
        .unwrap()
        .as_str()
        .unwrap()
        .to_owned();
    assert_ne!(new, old);
    assert_eq!(post(&base, "/v2/enqueue", &old, &trigger("b")), 401);
    assert_eq!(post(&base, "/v2/enqueue", &new, &trigger("b")), 202);
    // Saved: it listens again after a restart.
    let s = s.restart(&path, |name| {
        (name == "EVENTDESK_SIM").then(|| "off".to_owned())
    });
    assert_eq!(listening(&s), format!("http://127.0.0.1:{port}"));
    s.invoke(
        "set_http_endpoint",
        json!({ "enabled": false, "port": port }),
    )
    .unwrap();
    assert!(
        std::net::TcpStream::connect(("127.0.0.1", port)).is_err(),
        "still listening"
    );
}

#[test]
fn a_rabbitmq_stream_added_in_the_panel_is_read_and_removed_again() {
    let Ok(url) = std::env::var("EVENTDESK_TEST_AMQP") else {
        panic!("EVENTDESK_TEST_AMQP is not set: start a broker with `eval \"$(bash scripts/rabbitmq.sh start)\"`");
    };
    let s = super::shell();
    for (url, queue, says) in [
        ("http://x", "q", "amqp://"),
        (url.as_str(), "", "1 to 255"),
        (url.as_str(), "a b", "letters"),
    ] {
        let refused = s
            .invoke(
                "add_queue_source",
                json!({ "url": url, "queue": queue, "kind": "stream", "format": "auto" }),
            )
            .unwrap_err();
        assert!(refused.to_string().contains(says), "{refused}");
    }
    let stream = format!("shell-{}", std::process::id());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let p = eventdesk_sources::amqp::Publisher::connect(
            &eventdesk_sources::amqp::Broker::parse(&url, None).unwrap(),
        )
        .await
        .unwrap();
        p.declare(
            &stream,
            eventdesk_sources::amqp::QueueKind::Stream,
            None,
            None,
            None,
        )
        .await
        .unwrap();
        p.publish(
            "",
            &stream,
            [trigger("from-rabbit").to_string().into_bytes()],
        )
        .await
        .unwrap();
    });
    let added = s
        .invoke(
            "add_queue_source",
            json!({ "url": url, "queue": stream, "kind": "stream", "format": "pagerduty" }),
        )
        .unwrap();
    let id = added["queues"][0]["id"].as_str().unwrap().to_owned();
    assert!(!added["queues"][0]["status"]["url"]
        .as_str()
        .unwrap()
        .contains("guest:guest"));
    let refused = s
        .invoke(
            "add_queue_source",
            json!({ "url": url, "queue": stream, "kind": "stream", "format": "auto" }),
        )
        .unwrap_err();
    assert!(refused.to_string().contains("read already"), "{refused}");
    let started = std::time::Instant::now();
    while s.list(1, 10).unwrap()["total"] != json!(1) {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "the stream's event never arrived"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let status = s.invoke("sources_status", json!({})).unwrap();
    assert_eq!(
        status["queues"][0]["status"]["state"]["state"],
        json!("connected"),
        "{status}"
    );
    assert_eq!(
        s.list(1, 10).unwrap()["rows"][0]["updatedBy"],
        json!(format!("source:rabbitmq:{stream}"))
    );
    // Paused: nothing more is read; resumed: it goes on from where it stopped.
    let paused = s
        .invoke(
            "change_queue_source",
            json!({ "id": id, "url": null, "format": "pagerduty", "paused": true }),
        )
        .unwrap();
    assert_eq!(
        paused["queues"][0]["status"]["state"]["state"],
        json!("paused"),
        "{paused}"
    );
    rt.block_on(async {
        let p = eventdesk_sources::amqp::Publisher::connect(
            &eventdesk_sources::amqp::Broker::parse(&url, None).unwrap(),
        )
        .await
        .unwrap();
        p.publish(
            "",
            &stream,
            [trigger("while-paused").to_string().into_bytes()],
        )
        .await
        .unwrap();
    });
    // Nothing waits here to see that it is not read: the applied count after resuming says
    // who read it. A paused consumer that went on reading would apply it into the counts it
    // left behind and store its offset, and the resumed one would then start past it: the
    // source would show 1 applied, not 2.
    let saved = s.invoke("sources_status", json!({})).unwrap();
    assert_eq!(saved["queues"][0]["paused"], json!(true));
    s.invoke(
        "change_queue_source",
        json!({ "id": id, "url": null, "format": "pagerduty", "paused": false }),
    )
    .unwrap();
    let started = std::time::Instant::now();
    while s.list(1, 10).unwrap()["total"] != json!(2) {
        assert!(
            started.elapsed() < std::time::Duration::from_secs(15),
            "not read after resuming"
        );
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let status = s.invoke("sources_status", json!({})).unwrap();
    assert_eq!(
        status["queues"][0]["status"]["activity"]["counts"]["applied"],
        json!(2),
        "{status}"
    );
    let refused = s
        .invoke(
            "change_queue_source",
            json!({ "id": id, "url": "http://x", "format": "auto", "paused": false }),
        )
        .unwrap_err();
    assert!(refused.to_string().contains("amqp://"), "{refused}");
    let removed = s
        .invoke("remove_queue_source", json!({ "id": id }))
        .unwrap();
    assert_eq!(removed["queues"], json!([]));
    let refused = s
        .invoke("remove_queue_source", json!({ "id": id }))
        .unwrap_err();
    assert_eq!(refused["type"], json!("InvalidInput"));
}

#[test]
fn an_events_web_links_open_by_index_and_nothing_else_does() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eventdesk.db");
    let opened = dir.path().join("opened.txt");
    let opened_text = opened.display().to_string();
    let s = shell_with_env(&path, dir, move |name| match name {
        "EVENTDESK_SIM" => Some("off".into()),
        "EVENTDESK_HTTP_LISTEN" => Some("0".into()),
        "EVENTDESK_HTTP_TOKEN" => Some(TOKEN.into()),
        "EVENTDESK_OPENED_LINKS" => Some(opened_text.clone()),
        _ => None,
    });
    assert_eq!(
        post(&listening(&s), "/v2/enqueue", TOKEN, &trigger("disk")),
        202
    );
    let detail = s.invoke("get_event", json!({ "id": 1 })).unwrap();
    assert_eq!(
        detail["links"],
        json!([{ "href": "https://runbooks.example/disk", "text": "Runbook" }])
    );
    s.invoke("open_link", json!({ "id": 1, "index": 0 }))
        .unwrap();
    assert_eq!(
        std::fs::read_to_string(&opened).unwrap(),
        "https://runbooks.example/disk\n"
    );
    let refused = s
        .invoke("open_link", json!({ "id": 1, "index": 1 }))
        .unwrap_err();
    assert_eq!(refused["type"], json!("InvalidInput"), "{refused}");
    let refused = s
        .invoke("open_link", json!({ "id": 99, "index": 0 }))
        .unwrap_err();
    assert_eq!(refused["type"], json!("NotFound"), "{refused}");
}
