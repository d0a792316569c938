//! The loopback HTTP endpoint: `POST /v2/enqueue` takes PagerDuty Events API v2 messages (so
//! Alertmanager's `pagerduty_configs`, Grafana and anything that speaks PagerDuty can point at
//! Eventdesk), `POST /alertmanager` Alertmanager's webhook. A token is required: `Authorization:
//! Bearer TOKEN`, or for PagerDuty senders that cannot set a header, in the path
//! (`/v2/enqueue/TOKEN`); a message's `routing_key` is never taken as one, since it could only be
//! checked after reading the body. The answer comes after the commit: 202, or 400 with a JSON
//! reason, 401 without the token, 413 past 512 KB, 408 when the request takes longer than
//! [`REQUEST_TIMEOUT`], 503 while too many wait to be applied.
//!
//! Before any body is read, a request is refused (403) when a web page could have sent it (it
//! carries `Origin` or `Sec-Fetch-Site`, which browsers add and senders do not), unless its
//! `Origin` is one the endpoint was told to allow (then CORS lets that page send and read), or when its
//! `Host` is not this machine's loopback (a DNS-rebinding page), and (401) when its token is
//! missing or wrong. At most [`MAX_CONNECTIONS`] connections are served at once (more wait to be
//! accepted), and one whose request head does not arrive within [`HEADER_TIMEOUT`] is closed, so
//! slow clients cannot hold the endpoint.
//!
//! Where an accepted message goes is the endpoint's sink: on a desk of its own, applied to the
//! desk's file by one thread per route in batches (what is waiting when it is free goes in one
//! transaction), so that concurrent senders share commits; on a team desk and in the gateway,
//! published to the team's stream ([`StreamSink`]), answered 202 only once RabbitMQ confirmed
//! it, and 503 with `Retry-After` while the broker is away (a sender such as Alertmanager sends
//! it again), never 202 for a message that may be lost.

use crate::gateway::StreamSink;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use eventdesk_core::clock::now_ms;
use eventdesk_core::error::{Error, Result};
use eventdesk_core::services::ingest::{
    Activity, Applied, Delivery, Format, Incoming, Ingester, Outcome,
};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use parking_lot::Mutex;
use serde_json::{json, Value};
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::mpsc;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{oneshot, watch, Semaphore};

/// The largest body taken (PagerDuty's own limit).
pub const MAX_BODY: usize = 512 * 1024;
/// The most requests one transaction applies.
const BATCH: usize = 500;
/// The most requests waiting for a route's applying thread; past it, 503.
const WAITING: usize = 4 * BATCH;
/// The longest a request may take, its body and the commit or the broker's confirm included.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);
/// The longest a connection may take to send a request's head (and stay idle between requests).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(10);
/// The most connections served at once; more wait in the listener's backlog.
pub const MAX_CONNECTIONS: usize = 256;
/// The PagerDuty route that carries its token in the path.
const ENQUEUE_WITH_TOKEN: &str = "/v2/enqueue/";

/// How the endpoint listens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpConfig {
    pub address: IpAddr,
    /// 0: any free port (the server says which).
    pub port: u16,
    /// Addresses other than loopback are refused unless this is set.
    pub allow_remote: bool,
    pub token: String,
    /// Web pages allowed to send (their origins, `https://dash.example`): a request from any
    /// other page is refused. Answered with CORS headers, so that such a page can send the
    /// token and read the answer.
    pub allowed_origins: Vec<String>,
}

impl HttpConfig {
    /// 127.0.0.1 on `port`.
    pub fn loopback(port: u16, token: &str) -> HttpConfig {
        HttpConfig {
            address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port,
            allow_remote: false,
            token: token.to_owned(),
            allowed_origins: Vec::new(),
        }
    }

    /// The origins allowed from a comma-separated list (`EVENTDESK_HTTP_ALLOW_ORIGINS`).
    pub fn origins_from(text: &str) -> Vec<String> {
        text.split(',')
            .map(|o| o.trim().trim_end_matches('/').to_owned())
            .filter(|o| !o.is_empty())
            .collect()
    }

    pub fn validate(&self) -> Result<()> {
        if !self.address.is_loopback() && !self.allow_remote {
            return Err(Error::invalid(
                "address",
                format!(
                    "{} is not a loopback address; the endpoint listens on other interfaces only \
                     when that is explicitly allowed",
                    self.address
                ),
            ));
        }
        if self.token.chars().count() < 16 {
            return Err(Error::invalid("token", "must be at least 16 characters"));
        }
        for origin in &self.allowed_origins {
            let parsed = url::Url::parse(origin).ok();
            let is_origin = parsed.as_ref().is_some_and(|u| {
                matches!(u.scheme(), "http" | "https")
                    && u.host().is_some()
                    && u.origin().ascii_serialization() == *origin
            });
            if !is_origin {
                return Err(Error::invalid(
                    "origins",
                    format!("{origin:?} is not a web origin (scheme://host[:port], e.g. https://dash.example)"),
                ));
            }
        }
        Ok(())
    }
}

/// A message waiting for the applying thread, and where its outcome goes.
type Job = (Incoming, oneshot::Sender<Result<Outcome>>);

#[derive(Clone)]
struct Endpoint {
    token: Arc<str>,
    sink: Sink,
    /// Listening beyond loopback: any `Host` is taken.
    remote: bool,
    /// The web pages allowed to send.
    origins: Arc<[String]>,
}

/// Where accepted messages go.
#[derive(Clone)]
enum Sink {
    /// Applied to this desk's file, each route by its own thread.
    Local {
        pagerduty: mpsc::SyncSender<Job>,
        alertmanager: mpsc::SyncSender<Job>,
    },
    /// Published to a team's stream.
    Stream(Arc<StreamSink>),
}

/// What the endpoint has done since it started, both routes together.
pub(crate) type SharedActivity = Arc<Mutex<Activity>>;

/// A running endpoint; dropping it (or [`HttpServer::stop`]) stops it.
pub struct HttpServer {
    address: SocketAddr,
    activity: SharedActivity,
    stop: Option<oneshot::Sender<()>>,
    served: Option<tokio::task::JoinHandle<()>>,
}

impl HttpServer {
    /// Where it listens (the port chosen when 0 was asked for).
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// What it has done since it started, both routes together.
    pub fn activity(&self) -> Activity {
        let mut activity = self.activity.lock().clone();
        activity.settle(now_ms());
        activity
    }

    /// Stops listening and waits (up to 5 s) until requests under way are answered and the
    /// port is free again.
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(served) = self.served.take() {
            let _ = tokio::time::timeout(std::time::Duration::from_secs(5), served).await;
        }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// Starts the endpoint on the current tokio runtime. `pagerduty` and `alertmanager` apply
/// what arrives on each route (their actors say `pagerduty` and `alertmanager`).
pub async fn serve(
    config: &HttpConfig,
    pagerduty: Ingester,
    alertmanager: Ingester,
) -> Result<HttpServer> {
    // What both routes rejected in earlier runs, newest first.
    let mut kept = pagerduty.rejections()?;
    kept.extend(alertmanager.rejections()?);
    kept.sort_by_key(|r| std::cmp::Reverse(r.at));
    let activity = SharedActivity::new(Mutex::new(Activity::default().with_rejections(kept)));
    // A 202 tells the sender its message is kept: each commit is durable before it is sent.
    let sink = Sink::Local {
        pagerduty: applier(pagerduty.durable()?, activity.clone())?,
        alertmanager: applier(alertmanager.durable()?, activity.clone())?,
    };
    listen(config, sink, activity).await
}

/// Starts the endpoint on the current tokio runtime, publishing what it accepts to a team's
/// stream through `sink`.
pub async fn serve_stream(config: &HttpConfig, sink: Arc<StreamSink>) -> Result<HttpServer> {
    let activity = sink.activity();
    listen(config, Sink::Stream(sink), activity).await
}

async fn listen(config: &HttpConfig, sink: Sink, activity: SharedActivity) -> Result<HttpServer> {
    config.validate()?;
    let listener = tokio::net::TcpListener::bind((config.address, config.port))
        .await
        .map_err(|e| {
            Error::invalid(
                "port",
                format!("cannot listen on {}:{}: {e}", config.address, config.port),
            )
        })?;
    let address = listener.local_addr().map_err(Error::from)?;
    let endpoint = Endpoint {
        token: config.token.as_str().into(),
        sink,
        remote: config.allow_remote,
        origins: config.allowed_origins.clone().into(),
    };
    let mut app = Router::new()
        .route("/v2/enqueue", post(enqueue))
        .route("/v2/enqueue/{token}", post(enqueue))
        .route("/alertmanager", post(alertmanager_webhook))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .route_layer(middleware::from_fn_with_state(endpoint.clone(), guard))
        .layer(tower_http::timeout::TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            REQUEST_TIMEOUT,
        ))
        .with_state(endpoint);
    if !config.allowed_origins.is_empty() {
        // The allowed pages' preflights are answered, and their answers readable by them.
        let origins = config
            .allowed_origins
            .iter()
            .filter_map(|o| header::HeaderValue::from_str(o).ok());
        app = app.layer(
            tower_http::cors::CorsLayer::new()
                .allow_origin(tower_http::cors::AllowOrigin::list(origins))
                .allow_methods([axum::http::Method::POST])
                .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
                .max_age(std::time::Duration::from_secs(600)),
        );
    }
    let (stop, stopped) = oneshot::channel::<()>();
    let served = tokio::spawn(accept_connections(listener, app, stopped));
    tracing::info!(%address, "HTTP endpoint listening");
    Ok(HttpServer {
        address,
        activity,
        stop: Some(stop),
        served: Some(served),
    })
}

/// Serves each connection (at most [`MAX_CONNECTIONS`] at once) until `stopped`, then lets
/// requests under way finish. Axum's own `serve` sets no header timeout and no cap.
async fn accept_connections(
    listener: tokio::net::TcpListener,
    app: Router,
    mut stopped: oneshot::Receiver<()>,
) {
    let permits = Arc::new(Semaphore::new(MAX_CONNECTIONS));
    let (closing, closed) = watch::channel(false);
    let mut connections = tokio::task::JoinSet::new();
    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => match permit {
                Ok(permit) => permit,
                Err(_) => break, // never closed
            },
            _ = &mut stopped => break,
        };
        let stream = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    // Out of file descriptors, usually: give connections under way time to end.
                    tracing::warn!(error = %e, "the HTTP endpoint could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            _ = &mut stopped => break,
        };
        let service = TowerToHyperService::new(app.clone());
        let mut closed = closed.clone();
        connections.spawn(async move {
            let _permit = permit;
            let mut http = hyper::server::conn::http1::Builder::new();
            http.timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT);
            let connection = http.serve_connection(TokioIo::new(stream), service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = closed.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
        while connections.try_join_next().is_some() {}
    }
    drop(listener);
    let _ = closing.send(true);
    while connections.join_next().await.is_some() {}
}

/// The thread that applies one route's messages, as many as are waiting in each transaction.
fn applier(mut ingester: Ingester, activity: SharedActivity) -> Result<mpsc::SyncSender<Job>> {
    let (tx, rx) = mpsc::sync_channel::<Job>(WAITING);
    std::thread::Builder::new()
        .name("http-ingest".into())
        .spawn(move || {
            while let Ok(first) = rx.recv() {
                let mut jobs = vec![first];
                while jobs.len() < BATCH {
                    match rx.try_recv() {
                        Ok(job) => jobs.push(job),
                        Err(_) => break,
                    }
                }
                let (batch, replies): (Vec<Incoming>, Vec<_>) = jobs.into_iter().unzip();
                match ingester.apply(&batch) {
                    Ok(outcomes) => {
                        activity.lock().record(now_ms(), &outcomes, &[]);
                        for (reply, outcome) in replies.into_iter().zip(outcomes) {
                            let _ = reply.send(Ok(outcome));
                        }
                    }
                    Err(e) => {
                        for reply in replies {
                            let _ = reply.send(Err(e.clone()));
                        }
                    }
                }
            }
        })
        .map_err(Error::from)?;
    Ok(tx)
}

fn answer(status: StatusCode, body: Value) -> Response {
    (status, Json(body)).into_response()
}

/// An answer other than 202: its status and JSON body.
pub(crate) struct Refusal(pub(crate) StatusCode, pub(crate) Value);

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let mut response = answer(self.0, self.1);
        // A sender is asked to come back (Alertmanager retries any 5xx, ignoring this).
        if response.status() == StatusCode::SERVICE_UNAVAILABLE {
            response.headers_mut().insert(
                header::RETRY_AFTER,
                header::HeaderValue::from(crate::gateway::RETRY_AFTER_S),
            );
        }
        response
    }
}

/// PagerDuty's error shape.
pub(crate) fn invalid(reason: &str) -> Refusal {
    Refusal(
        StatusCode::BAD_REQUEST,
        json!({ "status": "invalid event", "message": "Event object is invalid", "errors": [reason] }),
    )
}

fn unauthorized() -> Refusal {
    Refusal(
        StatusCode::UNAUTHORIZED,
        json!({ "status": "unauthorized", "message": "a token is required: Authorization: Bearer TOKEN, or POST /v2/enqueue/TOKEN" }),
    )
}

/// Equal, in time that does not depend on where they differ.
fn same(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq;
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::AUTHORIZATION)?
        .to_str()
        .ok()?
        .strip_prefix("Bearer ")
        .map(str::trim)
}

/// Refuses, before any body is read, what a web page could have sent, what is addressed to
/// another name than loopback, and a missing or wrong token (each one given, in the header and
/// in the path, must be right).
async fn guard(State(endpoint): State<Endpoint>, request: Request, next: Next) -> Response {
    let headers = request.headers();
    let origin = headers
        .get(header::ORIGIN)
        .map(|o| o.to_str().unwrap_or("?"));
    let from_page = match origin {
        Some(origin) => !endpoint
            .origins
            .iter()
            .any(|o| o.eq_ignore_ascii_case(origin)),
        None => headers.contains_key("sec-fetch-site"),
    };
    if from_page {
        return forbidden(
            "requests from web pages are refused (allowed ones are named in EVENTDESK_HTTP_ALLOW_ORIGINS)",
        )
        .into_response();
    }
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    if !endpoint.remote && !host.is_some_and(is_loopback_host) {
        return forbidden("the Host must be 127.0.0.1, [::1] or localhost").into_response();
    }
    let in_path = request
        .uri()
        .path()
        .strip_prefix(ENQUEUE_WITH_TOKEN)
        .map(|t| percent_encoding::percent_decode_str(t).decode_utf8_lossy());
    let given: Vec<&str> = bearer(headers)
        .into_iter()
        .chain(in_path.as_deref())
        .collect();
    if given.is_empty() || !given.iter().all(|t| same(t, &endpoint.token)) {
        return unauthorized().into_response();
    }
    next.run(request).await
}

/// `host` (with or without its port) names this machine's loopback.
fn is_loopback_host(host: &str) -> bool {
    let name = match host.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _)| name),
    };
    name.eq_ignore_ascii_case("localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

fn forbidden(reason: &str) -> Refusal {
    Refusal(
        StatusCode::FORBIDDEN,
        json!({ "status": "forbidden", "message": reason }),
    )
}

/// The body, or the answer to a body that could not be read (too large, cut off).
fn body(read: std::result::Result<Bytes, BytesRejection>) -> std::result::Result<Bytes, Refusal> {
    read.map_err(|e| {
        let status = e.status();
        let reason = if status == StatusCode::PAYLOAD_TOO_LARGE {
            format!("the body is larger than {} KB", MAX_BODY / 1024)
        } else {
            e.body_text()
        };
        Refusal(
            status,
            json!({ "status": "invalid event", "message": reason, "errors": [reason] }),
        )
    })
}

/// Takes `body` on the route of `format`: applied (after the commit) or published (after the
/// broker's confirm).
async fn accept(
    endpoint: &Endpoint,
    format: Format,
    body: Bytes,
) -> std::result::Result<Outcome, Refusal> {
    match &endpoint.sink {
        Sink::Local {
            pagerduty,
            alertmanager,
        } => {
            let queue = match format {
                Format::Alertmanager => alertmanager,
                _ => pagerduty,
            };
            apply(queue, body).await
        }
        Sink::Stream(sink) => sink.accept(format, &body).await,
    }
}

/// Hands `body` to the route's applying thread and waits for the commit.
async fn apply(
    queue: &mpsc::SyncSender<Job>,
    body: Bytes,
) -> std::result::Result<Outcome, Refusal> {
    let (reply, outcome) = oneshot::channel();
    let job = (Incoming::new(body.to_vec(), Delivery::Once), reply);
    let unavailable = || {
        Refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "status": "error", "message": "Eventdesk is stopping" }),
        )
    };
    queue.try_send(job).map_err(|e| match e {
        mpsc::TrySendError::Full(_) => Refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "status": "error", "message": format!("{WAITING} messages are waiting to be applied; send it again shortly") }),
        ),
        mpsc::TrySendError::Disconnected(_) => unavailable(),
    })?;
    match outcome.await.map_err(|_| unavailable())? {
        Ok(o) => Ok(o),
        Err(Error::Busy { message }) => Err(Refusal(
            StatusCode::SERVICE_UNAVAILABLE,
            json!({ "status": "error", "message": format!("the database is busy: {message}") }),
        )),
        Err(e) => Err(Refusal(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({ "status": "error", "message": e.to_string() }),
        )),
    }
}

/// A PagerDuty message (the guard has checked the token).
async fn enqueue(
    State(endpoint): State<Endpoint>,
    read: std::result::Result<Bytes, BytesRejection>,
) -> Response {
    let bytes = match body(read) {
        Ok(b) => b,
        Err(refusal) => return refusal.into_response(),
    };
    match accept(&endpoint, Format::PagerDuty, bytes).await {
        Ok(Outcome::Applied(applied)) => {
            let key = applied
                .iter()
                .find_map(Applied::dedup_key)
                .map(str::to_owned);
            let mut reply = json!({ "status": "success", "message": "Event processed" });
            if let Some(key) = key {
                reply["dedup_key"] = Value::String(key);
            }
            if let Some(Applied::Ignored { reason }) = applied.first() {
                reply["ignored"] = Value::String(reason.clone());
            }
            answer(StatusCode::ACCEPTED, reply)
        }
        Ok(Outcome::Rejected(e)) => invalid(&e.to_string()).into_response(),
        Ok(Outcome::Duplicate) => answer(
            StatusCode::ACCEPTED,
            json!({ "status": "success", "message": "Event processed" }),
        ),
        Err(refusal) => refusal.into_response(),
    }
}

/// An Alertmanager webhook message (the guard has checked the token).
async fn alertmanager_webhook(
    State(endpoint): State<Endpoint>,
    read: std::result::Result<Bytes, BytesRejection>,
) -> Response {
    let bytes = match body(read) {
        Ok(b) => b,
        Err(refusal) => return refusal.into_response(),
    };
    match accept(&endpoint, Format::Alertmanager, bytes).await {
        Ok(Outcome::Applied(applied)) => answer(
            StatusCode::ACCEPTED,
            json!({ "status": "success", "message": format!("{} alerts processed", applied.len()) }),
        ),
        Ok(Outcome::Rejected(e)) => invalid(&e.to_string()).into_response(),
        Ok(Outcome::Duplicate) => answer(StatusCode::ACCEPTED, json!({ "status": "success" })),
        Err(refusal) => refusal.into_response(),
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)] // test code: failing loudly is the point

    use super::*;

    #[tokio::test]
    async fn a_message_past_the_waiting_ones_is_answered_503_not_queued() {
        // An applying thread that is stuck (a long commit): its queue fills, then refuses.
        let (queue, _stuck) = mpsc::sync_channel::<Job>(WAITING);
        for _ in 0..WAITING {
            let (reply, _) = oneshot::channel();
            queue
                .try_send((Incoming::new(b"{}".to_vec(), Delivery::Once), reply))
                .unwrap();
        }
        match apply(&queue, Bytes::from_static(b"{}")).await {
            Err(Refusal(status, body)) => {
                assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
                assert!(
                    body["message"].as_str().unwrap().contains("waiting"),
                    "{body}"
                );
            }
            Ok(_) => panic!("a full queue took one more"),
        }
    }

    #[test]
    fn loopback_names_are_told_from_others() {
        for host in [
            "127.0.0.1:8095",
            "localhost",
            "LOCALHOST:1",
            "[::1]:8095",
            "127.8.0.1",
        ] {
            assert!(is_loopback_host(host), "{host}");
        }
        for host in [
            "attacker.example",
            "10.0.0.7:8095",
            "[fe80::1]:1",
            "localhost.evil",
            "",
        ] {
            assert!(!is_loopback_host(host), "{host}");
        }
    }
}
