//! Who else is on a team: each desk announces itself every [`EVERY`] on a fanout exchange
//! (`STREAM.presence`, not the stream: announcements are not history) and hears the others
//! through a queue of its own that the broker deletes when the desk goes. What a desk heard
//! is kept by desk name with the time it heard it, on its own clock.

use super::{amqp, Broker};
use eventdesk_core::clock::now_ms;
use eventdesk_core::error::Result;
use eventdesk_core::services::team::Progress;
use futures_lite::StreamExt;
use lapin::options::{
    BasicConsumeOptions, BasicPublishOptions, ExchangeDeclareOptions, QueueBindOptions,
    QueueDeclareOptions,
};
use lapin::types::FieldTable;
use lapin::ExchangeKind;
use parking_lot::Mutex;
use serde::{Deserialize, Serialize};
use specta::Type;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How often a desk announces itself.
pub const EVERY: Duration = Duration::from_secs(3);
/// A desk not heard from for this long is shown as gone.
pub const GONE_AFTER_MS: i64 = 10_000;
/// The most desks remembered (a team is a handful; a flood of names is not kept).
const MAX_DESKS: usize = 256;

/// One desk's announcement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Announcement {
    pub desk: String,
    pub operator: String,
    /// The stream offset the desk goes on from (how far it has applied the team's log).
    pub next_offset: Option<i64>,
    /// Whether its simulator publishes events to the team.
    pub simulating: bool,
}

/// What this desk heard of each desk (itself included), by desk name.
pub type Heard = Arc<Mutex<BTreeMap<String, (Announcement, i64)>>>;

/// What a desk running `progress` announces: its name, its operator, how far it is, and
/// whether its simulator runs.
pub fn announcing(
    desk: &str,
    operator: &str,
    progress: Arc<Progress>,
    simulating: impl Fn() -> bool + Send + 'static,
) -> impl Fn() -> Announcement + Send + 'static {
    let (desk, operator) = (desk.to_owned(), operator.to_owned());
    move || Announcement {
        desk: desk.clone(),
        operator: operator.clone(),
        next_offset: progress.next_offset(),
        simulating: simulating(),
    }
}

/// The exchange a team's desks announce themselves on.
pub fn exchange(stream: &str) -> String {
    format!("{stream}.presence")
}

/// Announces `me()` every [`EVERY`] and records what the team's desks announce in `heard`,
/// until `stop` turns true; connects again after a pause whenever the broker goes away.
pub async fn run(
    broker: Broker,
    stream: String,
    me: impl Fn() -> Announcement + Send + 'static,
    heard: Heard,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let ended = tokio::select! {
            r = session(&broker, &stream, &me, &heard) => r,
            _ = stop.wait_for(|s| *s) => return,
        };
        if let Err(e) = ended {
            tracing::debug!(error = %e, "team presence: connecting again");
        }
        tokio::select! {
            _ = tokio::time::sleep(EVERY) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

async fn session(
    broker: &Broker,
    stream: &str,
    me: &impl Fn() -> Announcement,
    heard: &Heard,
) -> Result<()> {
    let (conn, _) = broker.connect("eventdesk-presence", 0).await?;
    let channel = conn.create_channel().await.map_err(amqp)?;
    let exchange = exchange(stream);
    channel
        .exchange_declare(
            exchange.as_str().into(),
            ExchangeKind::Fanout,
            ExchangeDeclareOptions {
                durable: true,
                ..ExchangeDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(amqp)?;
    let queue = channel
        .queue_declare(
            "".into(),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..QueueDeclareOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(amqp)?;
    channel
        .queue_bind(
            queue.name().clone(),
            exchange.as_str().into(),
            "".into(),
            QueueBindOptions::default(),
            FieldTable::default(),
        )
        .await
        .map_err(amqp)?;
    let mut consumer = channel
        .basic_consume(
            queue.name().clone(),
            "eventdesk-presence".into(),
            BasicConsumeOptions {
                no_ack: true,
                ..BasicConsumeOptions::default()
            },
            FieldTable::default(),
        )
        .await
        .map_err(amqp)?;
    let mut tick = tokio::time::interval(EVERY);
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let body = serde_json::to_vec(&me()).unwrap_or_default();
                channel
                    .basic_publish(
                        exchange.as_str().into(),
                        "".into(),
                        BasicPublishOptions::default(),
                        &body,
                        lapin::BasicProperties::default().with_content_type("application/json".into()),
                    )
                    .await
                    .map_err(amqp)?;
            }
            delivery = consumer.next() => match delivery {
                Some(Ok(d)) => {
                    // Announcements that are not ours to read are ignored.
                    if let Ok(a) = serde_json::from_slice::<Announcement>(&d.data) {
                        let mut heard = heard.lock();
                        if heard.len() < MAX_DESKS || heard.contains_key(&a.desk) {
                            heard.insert(a.desk.clone(), (a, now_ms()));
                        }
                    }
                }
                Some(Err(e)) => return Err(amqp(e)),
                None => return Err(eventdesk_core::Error::Unreachable {
                    what: "RabbitMQ".into(),
                    message: "it closed the presence consumer".into(),
                }),
            }
        }
    }
}
