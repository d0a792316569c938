//! The loopback endpoint, over real sockets: what each kind of request gets, and that nothing
//! but a good, authorised message writes anything.

use crate::support::{alertmanager, pd_action, post, request, trigger, Desk};
use eventdesk_sources::http::{
    HttpConfig, HttpServer, HEADER_TIMEOUT, MAX_BODY, MAX_CONNECTIONS, REQUEST_TIMEOUT,
};
use serde_json::json;
use std::net::IpAddr;

const TOKEN: &str = "s3cret-token-for-the-tests";

struct Endpoint {
    desk: Desk,
    server: HttpServer,
    _rt: tokio::runtime::Runtime,
}

fn endpoint() -> Endpoint {
    let desk = Desk::new();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let server = desk.serve(&rt, &HttpConfig::loopback(0, TOKEN)).unwrap();
    Endpoint {
        desk,
        server,
        _rt: rt,
    }
}

#[test]
fn a_pagerduty_trigger_repeat_and_resolve_make_one_event_with_its_history() {
    let e = endpoint();
    let at = e.server.address();
    assert!(at.ip().is_loopback());
    let first = post(
        at,
        "/v2/enqueue",
        TOKEN,
        &trigger("disk/db-7", "Disk full on db-7", "error"),
    );
    assert_eq!(first.status, 202, "{:?}", first.body);
    assert_eq!(first.body["status"], "success");
    assert_eq!(first.body["dedup_key"], "disk/db-7");
    let again = post(
        at,
        "/v2/enqueue",
        TOKEN,
        &trigger("disk/db-7", "Disk full on db-7", "critical"),
    );
    assert_eq!(again.status, 202);
    let detail = e.desk.store.get_event(1).unwrap();
    assert_eq!(detail.event.occurrences, 2);
    assert_eq!(detail.event.severity, eventdesk_core::Severity::Critical);
    assert_eq!(detail.event.updated_by.to_string(), "source:pagerduty");
    // Only the web link is kept; the details say what the sender said.
    assert_eq!(detail.links.len(), 1);
    assert_eq!(detail.links[0].href, "https://runbooks.example/disk");
    let details: serde_json::Value =
        serde_json::from_str(detail.details.as_deref().unwrap()).unwrap();
    assert_eq!(details["custom_details"]["free_mb"], 12);
    let resolved = post(at, "/v2/enqueue", TOKEN, &pd_action("resolve", "disk/db-7"));
    assert_eq!(resolved.status, 202);
    let rows = e.desk.rows();
    assert_eq!(
        rows,
        vec![(
            "disk/db-7".into(),
            2,
            "completed".into(),
            "source:pagerduty".into(),
            Some("source:pagerduty".into())
        )]
    );
    // A resolve for a key with no open event is ignored, and says so.
    let stray = post(at, "/v2/enqueue", TOKEN, &pd_action("resolve", "disk/db-7"));
    assert_eq!(stray.status, 202);
    assert!(
        stray.body["ignored"].as_str().unwrap().contains("no event"),
        "{:?}",
        stray.body
    );
    let counts = e.server.activity().counts;
    assert_eq!(
        (
            counts.applied,
            counts.created,
            counts.updated,
            counts.completed,
            counts.ignored
        ),
        (4, 1, 1, 1, 1)
    );
}

#[test]
fn an_alertmanager_group_opens_each_alert_and_resolved_completes_it_as_alertmanager() {
    let e = endpoint();
    let at = e.server.address();
    let firing = alertmanager(&[("a1", "firing", "critical"), ("b2", "firing", "warning")]);
    assert_eq!(post(at, "/alertmanager", TOKEN, &firing).status, 202);
    let resolved = alertmanager(&[("a1", "resolved", "critical")]);
    assert_eq!(post(at, "/alertmanager", TOKEN, &resolved).status, 202);
    let rows = e.desk.rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].2, "completed");
    assert_eq!(rows[0].4.as_deref(), Some("source:alertmanager"));
    assert_eq!(rows[1].2, "open");
    let b2 = e.desk.store.get_event(2).unwrap();
    assert_eq!(b2.event.title, "Disk full on db-b2");
    assert_eq!(
        (b2.event.kind.as_str(), b2.event.source.as_str()),
        ("DiskFull", "db-b2")
    );
    assert_eq!(b2.event.severity, eventdesk_core::Severity::Warning);
    let hrefs: Vec<_> = b2.links.iter().map(|l| l.href.as_str()).collect();
    assert_eq!(
        hrefs,
        [
            "http://prometheus.example/graph",
            "https://runbooks.example/disk",
            "http://alertmanager.example:9093"
        ]
    );
}

#[test]
fn malformed_unauthorised_and_oversized_requests_are_refused_and_write_nothing() {
    let e = endpoint();
    let at = e.server.address();
    let before = e.desk.counts();
    // Not JSON.
    let a = request(
        at,
        &format!("POST /v2/enqueue HTTP/1.1\r\nAuthorization: Bearer {TOKEN}"),
        b"{not json",
    );
    assert_eq!(a.status, 400, "{:?}", a.body);
    assert!(
        a.body["errors"][0].as_str().unwrap().contains("not JSON"),
        "{:?}",
        a.body
    );
    // JSON, but not an event: each says what is wrong.
    for (body, says) in [
        (
            json!({"event_action": "explode", "dedup_key": "k"}),
            "event_action",
        ),
        (
            json!({"event_action": "trigger", "payload": {"summary": "x", "source": "y"}}),
            "severity",
        ),
        (json!({"event_action": "resolve"}), "dedup_key"),
        (json!([1, 2]), "object"),
    ] {
        let a = post(at, "/v2/enqueue", TOKEN, &body);
        assert_eq!(a.status, 400, "{body}: {:?}", a.body);
        assert!(
            a.body["errors"][0].as_str().unwrap().contains(says),
            "{body}: {:?}",
            a.body
        );
    }
    let a = post(
        at,
        "/alertmanager",
        TOKEN,
        &json!({"version": "4", "alerts": [{"status": "firing"}]}),
    );
    assert_eq!(a.status, 400, "{:?}", a.body);
    assert!(a.body["errors"][0]
        .as_str()
        .unwrap()
        .contains("fingerprint"));
    // No token, a wrong one, a token in the wrong place.
    let good = trigger("k", "Disk full", "error");
    assert_eq!(post(at, "/v2/enqueue", "", &good).status, 401);
    assert_eq!(
        post(at, "/v2/enqueue", "wrong-token-wrong-token", &good).status,
        401
    );
    assert_eq!(
        post(
            at,
            "/alertmanager",
            "",
            &alertmanager(&[("a", "firing", "info")])
        )
        .status,
        401
    );
    // Past the body limit.
    let mut huge = trigger("k", "Disk full", "error");
    huge["payload"]["custom_details"] = json!({ "blob": "x".repeat(MAX_BODY) });
    let a = post(at, "/v2/enqueue", TOKEN, &huge);
    assert_eq!(a.status, 413, "{:?}", a.body);
    // Unknown routes and methods.
    assert_eq!(post(at, "/v1/enqueue", TOKEN, &good).status, 404);
    let get = format!("GET /v2/enqueue HTTP/1.1\r\nAuthorization: Bearer {TOKEN}");
    assert_eq!(request(at, &get, b"").status, 405);
    assert_eq!(request(at, "GET /v2/enqueue HTTP/1.1", b"").status, 401);
    assert_eq!(e.desk.counts(), before, "nothing was written");
    // A routing_key equal to the token is not a token: it could only be read with the body.
    let mut keyed = good.clone();
    keyed["routing_key"] = json!(TOKEN);
    assert_eq!(post(at, "/v2/enqueue", "", &keyed).status, 401);
    // A wrong token in the path, or a right one in the path with a wrong header, is refused.
    assert_eq!(
        post(at, "/v2/enqueue/wrong-token-0123456789", "", &good).status,
        401
    );
    let path = format!("/v2/enqueue/{TOKEN}");
    assert_eq!(post(at, &path, "wrong-token-0123456789", &good).status, 401);
    assert_eq!(e.desk.counts(), before, "nothing was written");
    // Senders that cannot set a header give the token in the path.
    assert_eq!(post(at, &path, "", &keyed).status, 202);
    assert_eq!(e.desk.counts().0, 1);
}

#[test]
fn the_endpoint_listens_on_loopback_only_unless_told_and_wants_a_real_token() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let desk = Desk::new();
    let mut config = HttpConfig::loopback(0, TOKEN);
    config.address = IpAddr::from([0, 0, 0, 0]);
    let refused = desk
        .serve(&rt, &config)
        .err()
        .expect("a non-loopback address is refused");
    assert!(
        refused.to_string().contains("not a loopback address"),
        "{refused}"
    );
    let short = HttpConfig::loopback(0, "short");
    assert!(short
        .validate()
        .unwrap_err()
        .to_string()
        .contains("at least 16"));
    // A port that is taken is a clear error.
    let e = endpoint();
    let taken = HttpConfig::loopback(e.server.address().port(), TOKEN);
    let error = desk.serve(&rt, &taken).err().expect("the port is taken");
    assert!(error.to_string().contains("cannot listen"), "{error}");
}

#[test]
fn concurrent_senders_each_get_their_event_exactly_once() {
    let e = endpoint();
    let at = e.server.address();
    std::thread::scope(|scope| {
        for sender in 0..8 {
            scope.spawn(move || {
                for n in 0..40 {
                    let key = format!("s{sender}-{n}");
                    let a = post(
                        at,
                        "/v2/enqueue",
                        TOKEN,
                        &trigger(&key, "Queue depth high", "warning"),
                    );
                    assert_eq!(a.status, 202, "{:?}", a.body);
                    assert_eq!(a.body["dedup_key"], key.as_str());
                }
            });
        }
    });
    let rows = e.desk.rows();
    assert_eq!(rows.len(), 320);
    let mut keys: Vec<_> = rows.iter().map(|r| r.0.clone()).collect();
    keys.sort();
    keys.dedup();
    assert_eq!(keys.len(), 320);
}

#[test]
fn what_a_web_page_or_a_rebinding_name_could_send_is_refused_before_the_body_is_read() {
    let e = endpoint();
    let at = e.server.address();
    let body = trigger("web/1", "Sent from a page", "error").to_string();
    let json = "POST /v2/enqueue HTTP/1.1\r\nContent-Type: application/json";
    // A page's POST carries Origin or Sec-Fetch-Site (browsers add them); the token does not
    // make it welcome.
    for extra in [
        "Origin: https://attacker.example",
        "Origin: null",
        "Sec-Fetch-Site: cross-site",
    ] {
        let a = request(
            at,
            &format!("{json}\r\nAuthorization: Bearer {TOKEN}\r\n{extra}"),
            body.as_bytes(),
        );
        assert_eq!(a.status, 403, "{extra}: {:?}", a.body);
    }
    // DNS rebinding: the page's own name in Host.
    for host in [format!("attacker.example:{}", at.port()), "10.0.0.7".into()] {
        let a = request(
            at,
            &format!("{json}\r\nHost: {host}\r\nAuthorization: Bearer {TOKEN}"),
            body.as_bytes(),
        );
        assert_eq!(a.status, 403, "{host}: {:?}", a.body);
    }
    assert!(e.desk.rows().is_empty(), "a refused request wrote");
    // The machine's own names are taken.
    let a = request(
        at,
        &format!(
            "{json}\r\nHost: localhost:{}\r\nAuthorization: Bearer {TOKEN}",
            at.port()
        ),
        body.as_bytes(),
    );
    assert_eq!(a.status, 202, "{:?}", a.body);
    // A wrong token is refused before the body is read: 401 for a body four times the limit,
    // which reading it would have answered 413.
    let big = vec![b'x'; 4 * MAX_BODY];
    for head in [
        format!("{json}\r\nAuthorization: Bearer wrong-token-0123456789"),
        "POST /alertmanager HTTP/1.1\r\nContent-Type: application/json".to_owned(),
    ] {
        let a = request(at, &head, &big);
        assert_eq!(a.status, 401, "{head}: {:?}", a.body);
    }
    assert_eq!(e.desk.rows().len(), 1);
}

#[test]
fn a_request_that_stalls_is_answered_408_and_let_go() {
    use std::io::{Read, Write};
    let e = endpoint();
    let at = e.server.address();
    let mut stream = std::net::TcpStream::connect(at).unwrap();
    stream.set_read_timeout(Some(REQUEST_TIMEOUT * 3)).unwrap();
    // The head and ten bytes of a body of a thousand, then nothing.
    write!(
        stream,
        "POST /v2/enqueue HTTP/1.1\r\nHost: {at}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{\"routing_"
    )
    .unwrap();
    let started = std::time::Instant::now();
    let mut raw = Vec::new();
    let _ = stream.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    assert!(
        text.starts_with("HTTP/1.1 408"),
        "after {:?}: {text:?}",
        started.elapsed()
    );
    assert!(e.desk.rows().is_empty());
}

#[test]
fn a_client_that_never_finishes_its_head_is_let_go() {
    use std::io::{Read, Write};
    let e = endpoint();
    let at = e.server.address();
    let mut stream = std::net::TcpStream::connect(at).unwrap();
    // Under hyper's own default (30 s), which a timer alone would give.
    stream.set_read_timeout(Some(HEADER_TIMEOUT * 2)).unwrap();
    // Part of a head, then nothing (a slowloris client sends a byte now and then; one is enough
    // to show that the head must arrive whole in time).
    write!(
        stream,
        "POST /v2/enqueue HTTP/1.1\r\nHost: {at}\r\nX-Slow: "
    )
    .unwrap();
    let started = std::time::Instant::now();
    let mut raw = Vec::new();
    // The server closes the connection; a read that timed out instead would be an error.
    let read = stream.read_to_end(&mut raw);
    assert!(
        read.is_ok(),
        "still open after {:?}: {read:?}",
        started.elapsed()
    );
    assert!(e.desk.rows().is_empty());
}

#[test]
fn connections_past_the_cap_wait_and_are_served_when_one_ends() {
    use std::io::{Read, Write};
    let e = endpoint();
    let at = e.server.address();
    let open = |_| std::net::TcpStream::connect(at).unwrap();
    // Connections that are all being served: each has sent part of a head.
    let mut held: Vec<std::net::TcpStream> = (0..MAX_CONNECTIONS).map(open).collect();
    for stream in &mut held {
        stream.write_all(b"POST /v2/enqueue HTTP/1.1\r\n").unwrap();
    }
    // One more connects (the backlog takes it) and sends a whole request: it is not served
    // while the others hold every place.
    let body = trigger("cap/1", "Past the cap", "error").to_string();
    let mut extra = std::net::TcpStream::connect(at).unwrap();
    write!(
        extra,
        "POST /v2/enqueue HTTP/1.1\r\nHost: {at}\r\nAuthorization: Bearer {TOKEN}\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    extra
        .set_read_timeout(Some(std::time::Duration::from_secs(1)))
        .unwrap();
    let mut byte = [0u8; 1];
    let early = extra.read(&mut byte);
    assert!(early.is_err(), "answered past the cap: {early:?}");
    assert!(e.desk.rows().is_empty());
    // One place frees: the waiting request is served.
    drop(held.pop());
    extra.set_read_timeout(Some(REQUEST_TIMEOUT)).unwrap();
    let mut raw = Vec::new();
    let _ = extra.read_to_end(&mut raw);
    let text = String::from_utf8_lossy(&raw);
    assert!(text.starts_with("HTTP/1.1 202"), "{text:?}");
    assert_eq!(e.desk.rows().len(), 1);
}

/// 100,000 requests, well-formed and not: random methods, paths (the token's among them),
/// hosts, tokens, headers and bodies (PagerDuty and Alertmanager messages mutated, or noise).
/// Every one is answered with a status a sender can act on, never a 500, and the endpoint
/// still takes a good message afterwards.
#[test]
fn a_hundred_thousand_random_requests_are_each_answered_and_none_breaks_the_endpoint() {
    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};
    const REQUESTS: usize = 100_000;
    const THREADS: usize = 4;
    let e = endpoint();
    let at = e.server.address();
    let statuses = std::sync::Mutex::new(std::collections::BTreeMap::<u16, usize>::new());
    std::thread::scope(|scope| {
        for t in 0..THREADS {
            let statuses = &statuses;
            scope.spawn(move || {
                let mut rng = StdRng::seed_from_u64(t as u64);
                let mut mine = std::collections::BTreeMap::<u16, usize>::new();
                for i in 0..REQUESTS / THREADS {
                    let method =
                        ["POST", "POST", "POST", "GET", "PUT", "P0ST"][rng.random_range(0..6)];
                    let path = match rng.random_range(0..7) {
                        0 | 1 => "/v2/enqueue".to_owned(),
                        2 => "/alertmanager".to_owned(),
                        3 => format!("/v2/enqueue/{TOKEN}"),
                        4 => format!(
                            "/v2/enqueue/%{:02x}{}",
                            rng.random::<u8>(),
                            rng.random::<u32>()
                        ),
                        5 => format!("/{}", "a/".repeat(rng.random_range(1..2_000))),
                        _ => "/v2/enqueue/../alertmanager".to_owned(),
                    };
                    let mut head =
                        format!("{method} {path} HTTP/1.1\r\nContent-Type: application/json");
                    match rng.random_range(0..4) {
                        0 => {}
                        1 => head.push_str("\r\nAuthorization: Bearer wrong-token-0123456789"),
                        2 => head.push_str("\r\nAuthorization: Basic dXNlcjpwYXNz"),
                        _ => head.push_str(&format!("\r\nAuthorization: Bearer {TOKEN}")),
                    }
                    match rng.random_range(0..8) {
                        0 => head.push_str("\r\nHost: attacker.example"),
                        1 => head.push_str("\r\nOrigin: null"),
                        2 => head.push_str(&format!(
                            "\r\nX-{}: {}",
                            rng.random::<u32>(),
                            "v".repeat(rng.random_range(0..3_000))
                        )),
                        _ => {}
                    }
                    let mut body = match rng.random_range(0..3) {
                        0 => trigger(&format!("fuzz/{t}/{i}"), "Fuzzed", "error")
                            .to_string()
                            .into_bytes(),
                        1 => alertmanager(&[("f1", "firing", "critical")])
                            .to_string()
                            .into_bytes(),
                        _ => (0..rng.random_range(0..200))
                            .map(|_| rng.random())
                            .collect(),
                    };
                    for _ in 0..rng.random_range(0..3) {
                        if !body.is_empty() {
                            let i = rng.random_range(0..body.len());
                            body[i] = rng.random();
                        }
                    }
                    let answer = request(at, &head, &body);
                    assert!(
                        matches!(
                            answer.status,
                            202 | 400 | 401 | 403 | 404 | 405 | 413 | 414 | 415 | 431 | 503
                        ),
                        "{head:?} answered {}: {:?}",
                        answer.status,
                        answer.body
                    );
                    *mine.entry(answer.status).or_default() += 1;
                }
                let mut all = statuses.lock().unwrap();
                for (status, n) in mine {
                    *all.entry(status).or_default() += n;
                }
            });
        }
    });
    let statuses = statuses.into_inner().unwrap();
    assert_eq!(statuses.values().sum::<usize>(), REQUESTS);
    for status in [202, 400, 401, 403] {
        assert!(
            statuses.contains_key(&status),
            "never {status}: {statuses:?}"
        );
    }
    let after = post(
        at,
        "/v2/enqueue",
        TOKEN,
        &trigger("after/fuzz", "Still here", "info"),
    );
    assert_eq!(after.status, 202, "{:?}", after.body);
}

#[test]
fn a_web_page_named_in_the_allowed_origins_may_send_and_read_the_answer_and_no_other() {
    let desk = Desk::new();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let mut config = HttpConfig::loopback(0, TOKEN);
    config.allowed_origins =
        HttpConfig::origins_from(" https://dash.example/ ,http://localhost:3000");
    assert_eq!(
        config.allowed_origins,
        vec!["https://dash.example", "http://localhost:3000"]
    );
    let server = desk.serve(&rt, &config).unwrap();
    let at = server.address();
    let body = trigger("page/1", "Sent from the dashboard", "error").to_string();
    let from = |origin: &str, token: &str| {
        request(
            at,
            &format!(
                "POST /v2/enqueue HTTP/1.1\r\nContent-Type: application/json\r\nOrigin: {origin}\r\n\
                 Sec-Fetch-Site: cross-site\r\nAuthorization: Bearer {token}"
            ),
            body.as_bytes(),
        )
    };
    // Another page, or the allowed one without the token: refused, nothing written.
    assert_eq!(from("https://attacker.example", TOKEN).status, 403);
    assert_eq!(
        from("https://dash.example.attacker.example", TOKEN).status,
        403
    );
    assert_eq!(
        from("https://dash.example", "wrong-token-0123456789").status,
        401
    );
    assert!(desk.rows().is_empty());
    // The browser's preflight is answered for the allowed page only.
    let preflight = |origin: &str| {
        let mut stream = std::net::TcpStream::connect(at).unwrap();
        use std::io::{Read, Write};
        write!(
            stream,
            "OPTIONS /v2/enqueue HTTP/1.1\r\nHost: {at}\r\nOrigin: {origin}\r\n\
             Access-Control-Request-Method: POST\r\n\
             Access-Control-Request-Headers: authorization, content-type\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        stream.read_to_string(&mut answer).unwrap();
        answer.to_ascii_lowercase()
    };
    let allowed = preflight("https://dash.example");
    assert!(
        allowed.contains("access-control-allow-origin: https://dash.example")
            && allowed.contains("access-control-allow-headers")
            && allowed.contains("post"),
        "{allowed}"
    );
    assert!(
        !preflight("https://attacker.example").contains("access-control-allow-origin"),
        "another page's preflight was allowed"
    );
    // The allowed page with the token: taken.
    assert_eq!(from("https://dash.example", TOKEN).status, 202);
    assert_eq!(desk.rows().len(), 1);
    // A configured origin must be an origin.
    let mut bad = HttpConfig::loopback(0, TOKEN);
    bad.allowed_origins = vec!["https://dash.example/path".into()];
    assert!(bad
        .validate()
        .unwrap_err()
        .to_string()
        .contains("not a web origin"));
}
