//! Who else is on a team: each desk announces itself every [`EVERY`] on a fanout exchange
//! (`STREAM.presence`, not the stream: announcements are not history) and hears the others
//! through a queue of its own that the broker deletes when the desk goes. What a desk heard
//! is kept by (broker user, desk name) with the time it heard it, on its own clock.
//!
//! An announcement is published with the desk's broker user as `user_id`, which RabbitMQ
//! checks; one is taken only with that proof, from a user on the team's roster, within
//! [`MAX_ANNOUNCEMENT`] bytes and with a desk name the team takes; its operator is the proved
//! user, whatever the body says. A desk is heard at most once a second, a user as at most
//! [`MAX_DESKS_PER_USER`] desks, and at most [`MAX_WAITING`] announcements wait for a desk at
//! the broker, so a flood costs a desk neither memory nor much time.

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
/// The most desks one broker user is heard as.
const MAX_DESKS_PER_USER: usize = 8;
/// The least time between two announcements taken from one desk (it sends one every
/// [`EVERY`]); more frequent ones are let go unread beyond their size check.
const MIN_GAP_MS: i64 = 1_000;
/// The most announcements waiting in a desk's queue at the broker; older ones are dropped.
const MAX_WAITING: i32 = 256;
/// The largest announcement read (one is about 100 bytes).
pub const MAX_ANNOUNCEMENT: usize = 1024;

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

/// What this desk heard of each desk (itself included), by broker user and desk name.
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

/// Announces `me()` every [`EVERY`] and records in `heard` what the team's desks announce
/// (from users for whom `on_roster` is true), until `stop` turns true; connects again after a
/// pause whenever the broker goes away.
pub async fn run(
    broker: Broker,
    stream: String,
    me: impl Fn() -> Announcement + Send + 'static,
    on_roster: impl Fn(&str) -> bool + Send + 'static,
    heard: Heard,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        let ended = tokio::select! {
            r = session(&broker, &stream, &me, &on_roster, &heard) => r,
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
    on_roster: &impl Fn(&str) -> bool,
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
    let mut bounded = FieldTable::default();
    bounded.insert(
        "x-max-length".into(),
        lapin::types::AMQPValue::LongInt(MAX_WAITING),
    );
    let queue = channel
        .queue_declare(
            "".into(),
            QueueDeclareOptions {
                exclusive: true,
                auto_delete: true,
                ..QueueDeclareOptions::default()
            },
            bounded,
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
                        lapin::BasicProperties::default()
                            .with_content_type("application/json".into())
                            .with_user_id(broker.user().into()),
                    )
                    .await
                    .map_err(amqp)?;
            }
            delivery = consumer.next() => match delivery {
                Some(Ok(d)) => {
                    let user = d.properties.user_id().as_ref().map(ToString::to_string);
                    if let Some((key, a)) = taken(user.as_deref(), &d.data, on_roster) {
                        let now = now_ms();
                        let mut heard = heard.lock();
                        if admitted(&heard, &key, now) {
                            heard.insert(key, (a, now));
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

/// An announcement as it is kept, with its key, or `None` when it is not taken: no user proved
/// by the broker, a user not on the roster, too large, not an announcement, or a desk name the
/// team would refuse. Its operator is the proved user.
pub fn taken(
    user: Option<&str>,
    body: &[u8],
    on_roster: impl Fn(&str) -> bool,
) -> Option<(String, Announcement)> {
    let user = user.filter(|u| on_roster(u))?;
    if body.len() > MAX_ANNOUNCEMENT {
        return None;
    }
    let mut a = serde_json::from_slice::<Announcement>(body).ok()?;
    eventdesk_core::services::team::check_desk(&a.desk).ok()?;
    a.operator = user.to_owned();
    Some((format!("{user}/{}", a.desk), a))
}

/// Whether an announcement kept under `key` (`user/desk`) is taken at `now`: not within
/// [`MIN_GAP_MS`] of the last one from that desk, and a new desk only while its user is heard
/// as fewer than [`MAX_DESKS_PER_USER`] desks and the team as fewer than [`MAX_DESKS`].
fn admitted(heard: &BTreeMap<String, (Announcement, i64)>, key: &str, now: i64) -> bool {
    if let Some((_, at)) = heard.get(key) {
        return now - at >= MIN_GAP_MS;
    }
    let user = key.split_once('/').map_or(key, |(user, _)| user);
    let prefix = format!("{user}/");
    let of_user = heard
        .range(prefix.clone()..)
        .take_while(|(k, _)| k.starts_with(&prefix))
        .count();
    heard.len() < MAX_DESKS && of_user < MAX_DESKS_PER_USER
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(desk: &str, operator: &str) -> Vec<u8> {
        serde_json::to_vec(&Announcement {
            desk: desk.into(),
            operator: operator.into(),
            next_offset: Some(4),
            simulating: false,
        })
        .unwrap_or_default()
    }

    #[test]
    fn a_desk_is_heard_once_a_second_and_a_user_as_a_few_desks() {
        let mut heard = BTreeMap::new();
        let keep = |heard: &mut BTreeMap<_, _>, key: &str, now| {
            let a = taken(Some("bob"), &body("d", "bob"), |_| true).unwrap().1;
            let admitted = admitted(heard, key, now);
            if admitted {
                heard.insert(key.to_owned(), (a, now));
            }
            admitted
        };
        assert!(keep(&mut heard, "bob/d", 10_000));
        assert!(!keep(&mut heard, "bob/d", 10_999), "twice within a second");
        assert!(keep(&mut heard, "bob/d", 11_000));
        for i in 1..MAX_DESKS_PER_USER {
            assert!(keep(&mut heard, &format!("bob/d{i}"), 10_000));
        }
        assert!(!keep(&mut heard, "bob/one-too-many", 10_000));
        // Another user, whose name starts like bob's, is counted apart.
        assert!(keep(&mut heard, "bobby/d", 10_000));
        assert!(keep(&mut heard, "alice/d", 10_000));
        // A desk already heard goes on being heard.
        assert!(keep(&mut heard, "bob/d3", 12_000));
    }

    #[test]
    fn only_proved_roster_users_are_heard_and_as_themselves() {
        let roster = |u: &str| u == "alice" || u == "bob";
        let heard = taken(Some("bob"), &body("desk-b", "alice"), roster);
        assert_eq!(
            heard.map(|(key, a)| (key, a.desk, a.operator)),
            Some(("bob/desk-b".into(), "desk-b".into(), "bob".into()))
        );
        assert!(taken(None, &body("desk-b", "bob"), roster).is_none());
        assert!(taken(Some("carol"), &body("desk-c", "carol"), roster).is_none());
        assert!(taken(Some("bob"), &body(&"d".repeat(48), "bob"), roster).is_none());
        assert!(taken(Some("bob"), &body("has space", "bob"), roster).is_none());
        let mut big = body("desk-b", "bob");
        big.extend(std::iter::repeat_n(b' ', MAX_ANNOUNCEMENT));
        assert!(taken(Some("bob"), &big, roster).is_none());
        assert!(taken(Some("bob"), b"not json", roster).is_none());
    }
}
