//! Senders into a team's stream: the gateway (`eventdesk-cli gateway`) and a team desk's own
//! HTTP endpoint publish what they accept to the team's stream instead of writing a file, so
//! that every desk applies the same messages in the same order.
//!
//! A message is checked as the desks will read it (its route's format, the team's limits), and
//! is answered only after RabbitMQ confirmed it: 202, or 400 for a message no desk would take
//! (never sent again by Alertmanager), or 503 with `Retry-After` while the broker is away
//! (Alertmanager sends it again). Each message gets an id at its origin, kept when it is
//! published again on a new connection after a lost confirm, so that desks apply it once.

use crate::amqp::{Broker, Publish, Publisher};
use crate::http::{Refusal, SharedActivity};
use axum::http::StatusCode;
use eventdesk_core::clock::now_ms;
use eventdesk_core::error::{Error, Result};
use eventdesk_core::model::MessageLimits;
use eventdesk_core::services::ingest::{self, Counts, Format, Outcome};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long a sender is asked to wait before sending again while the broker is away.
pub const RETRY_AFTER_S: u64 = 5;
/// After a failed connection, how long requests are refused at once before the next try.
const RECONNECT_EVERY: Duration = Duration::from_secs(1);
/// How long a publish waits for the broker's confirm before the sender is told to try again.
const CONFIRM_WAIT: Duration = Duration::from_secs(5);

/// `publishing`, or an error once it has waited [`CONFIRM_WAIT`] (per message) for the confirm.
async fn confirmed_within<T>(
    messages: usize,
    publishing: impl std::future::Future<Output = Result<T>>,
) -> Result<T> {
    let wait = CONFIRM_WAIT * u32::try_from(messages.max(1)).unwrap_or(u32::MAX).min(6);
    tokio::time::timeout(wait, publishing)
        .await
        .unwrap_or_else(|_| {
            Err(Error::Unreachable {
                what: "RabbitMQ".into(),
                message: format!("it did not confirm within {} s", wait.as_secs()),
            })
        })
}

/// Publishes accepted messages to one team stream, on one connection shared by every request
/// (connected again, to another node if need be, when it fails).
pub struct StreamSink {
    broker: Broker,
    stream: String,
    limits: MessageLimits,
    connection: tokio::sync::Mutex<Connection>,
    activity: SharedActivity,
}

#[derive(Default)]
struct Connection {
    publisher: Option<Arc<Publisher>>,
    /// When connecting last failed, and why.
    failed: Option<(Instant, String)>,
}

impl StreamSink {
    /// Publishes to `stream` on `broker`, refusing messages past `limits` (the team's).
    pub fn new(broker: Broker, stream: &str, limits: MessageLimits) -> Result<Arc<StreamSink>> {
        eventdesk_core::services::team::check_stream(stream)?;
        eventdesk_core::services::team::roster::check_limits(&limits)?;
        Ok(Arc::new(StreamSink {
            broker,
            stream: stream.to_owned(),
            limits,
            connection: tokio::sync::Mutex::new(Connection::default()),
            activity: SharedActivity::default(),
        }))
    }

    pub fn broker(&self) -> &Broker {
        &self.broker
    }

    pub fn stream(&self) -> &str {
        &self.stream
    }

    pub(crate) fn activity(&self) -> SharedActivity {
        self.activity.clone()
    }

    /// What it has taken so far: published (`applied`) and refused (`rejected`) messages.
    pub fn counts(&self) -> Counts {
        self.activity.lock().counts
    }

    /// Connects now (the gateway's readiness): `Err` says why the broker is away.
    pub async fn connect(&self) -> Result<()> {
        self.publisher().await.map(|_| ())
    }

    /// The shared publisher, connecting when there is none (at most once a second while the
    /// broker is away: requests in between are refused at once).
    async fn publisher(&self) -> Result<Arc<Publisher>> {
        let mut connection = self.connection.lock().await;
        if let Some(p) = connection.publisher.as_ref().filter(|p| p.connected()) {
            return Ok(p.clone());
        }
        if let Some((at, error)) = &connection.failed {
            if at.elapsed() < RECONNECT_EVERY {
                return Err(Error::Unreachable {
                    what: "RabbitMQ".into(),
                    message: error.clone(),
                });
            }
        }
        match Publisher::connect(&self.broker).await {
            Ok(p) => {
                let p = Arc::new(p);
                connection.publisher = Some(p.clone());
                connection.failed = None;
                Ok(p)
            }
            Err(e) => {
                connection.publisher = None;
                connection.failed = Some((Instant::now(), e.to_string()));
                Err(e)
            }
        }
    }

    /// Forgets `failed` as the shared publisher (another request may have replaced it).
    async fn forget(&self, failed: &Arc<Publisher>) {
        let mut connection = self.connection.lock().await;
        if connection
            .publisher
            .as_ref()
            .is_some_and(|p| Arc::ptr_eq(p, failed))
        {
            connection.publisher = None;
        }
    }

    /// Checks `body` as the desks will read it: in `format` (`Auto` for standard input),
    /// within the team's limits, and read the same way by desks that tell formats by their
    /// fields.
    pub fn check(&self, format: Format, body: &[u8]) -> Result<()> {
        let value: Value = serde_json::from_slice(body)
            .map_err(|e| Error::invalid("body", format!("is not JSON: {e}")))?;
        if format != Format::Auto && ingest::detect(&value) != Some(format) {
            return Err(Error::invalid(
                "body",
                match format {
                    Format::PagerDuty => "is not a PagerDuty event (event_action) alone",
                    _ => "is not an Alertmanager message (alerts) alone",
                },
            ));
        }
        ingest::parse(body, format, self.limits).map(|_| ())
    }

    /// Publishes one message with a new id and waits for the confirm; once more on a new
    /// connection when the first fails.
    pub async fn publish(&self, body: &[u8]) -> Result<()> {
        let id = format!(
            "gw-{:016x}{:08x}",
            rand::random::<u64>(),
            rand::random::<u32>()
        );
        let message = Publish {
            exchange: "",
            routing_key: &self.stream,
            body,
            message_id: &id,
        };
        let mut last = None;
        for _ in 0..2 {
            let publisher = self.publisher().await?;
            match confirmed_within(1, publisher.publish_one(&message)).await {
                Ok(()) => return Ok(()),
                Err(e) => {
                    self.forget(&publisher).await;
                    last = Some(e);
                }
            }
        }
        Err(last.unwrap_or_else(|| Error::storage("not published")))
    }

    /// The HTTP endpoint's way in: checked, published and confirmed, or refused.
    pub(crate) async fn accept(
        &self,
        format: Format,
        body: &[u8],
    ) -> std::result::Result<Outcome, Refusal> {
        let taken = match self.check(format, body) {
            Ok(()) => self.publish(body).await,
            Err(e) => Err(e),
        };
        let outcome = match &taken {
            Ok(()) => Outcome::Applied(Vec::new()),
            Err(e) => Outcome::Rejected(e.clone()),
        };
        if matches!(taken, Ok(()) | Err(Error::InvalidInput { .. })) {
            self.activity
                .lock()
                .record(now_ms(), std::slice::from_ref(&outcome), &[]);
        }
        match taken {
            Ok(()) => Ok(outcome),
            Err(Error::InvalidInput { .. }) => Ok(outcome),
            Err(e) => Err(unavailable(&e)),
        }
    }
}

/// The answer while the broker cannot take a message: 503, to be sent again later.
fn unavailable(e: &Error) -> Refusal {
    Refusal(
        StatusCode::SERVICE_UNAVAILABLE,
        json!({ "status": "error", "message": format!("not taken, send it again: {e}"),
                "retryAfter": RETRY_AFTER_S }),
    )
}

impl StreamSink {
    /// Standard input's way in: each message checked as the desks will read it, the good ones
    /// published together and confirmed (once more on a new connection, with the same ids,
    /// when that fails). `Err` only when the broker did not take them: nothing after is read.
    pub async fn take_lines(&self, batch: &[ingest::Incoming]) -> Result<Vec<Outcome>> {
        let checked: Vec<Result<()>> = batch
            .iter()
            .map(|m| self.check(Format::Auto, &m.body))
            .collect();
        let ids: Vec<String> = batch
            .iter()
            .map(|_| {
                format!(
                    "gw-{:016x}{:08x}",
                    rand::random::<u64>(),
                    rand::random::<u32>()
                )
            })
            .collect();
        let messages = || {
            batch
                .iter()
                .zip(&checked)
                .zip(&ids)
                .filter(|((_, ok), _)| ok.is_ok())
                .map(|((m, _), id)| Publish {
                    exchange: "",
                    routing_key: &self.stream,
                    body: &m.body,
                    message_id: id,
                })
        };
        let mut last = None;
        let mut published = false;
        for _ in 0..2 {
            let publisher = self.publisher().await?;
            match confirmed_within(batch.len(), publisher.publish_all(messages())).await {
                Ok(_) => {
                    published = true;
                    break;
                }
                Err(e) => {
                    self.forget(&publisher).await;
                    last = Some(e);
                }
            }
        }
        if !published {
            return Err(last.unwrap_or_else(|| Error::storage("not published")));
        }
        let outcomes: Vec<Outcome> = checked
            .into_iter()
            .map(|c| match c {
                Ok(()) => Outcome::Applied(Vec::new()),
                Err(e) => Outcome::Rejected(e),
            })
            .collect();
        self.activity.lock().record(now_ms(), &outcomes, &[]);
        Ok(outcomes)
    }
}
