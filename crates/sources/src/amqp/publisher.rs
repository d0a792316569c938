//! Publishing: setting queues up (`declare`), messages from the command line, a team's
//! actions, roster changes and simulated events, and the gateway's accepted messages.
//!
//! Every message is published persistent, `mandatory` (a message no queue takes comes back
//! and counts as a failure, instead of being dropped), with an id of its own (`message_id`,
//! so that a copy published again after a lost confirm is applied once) and the connection's
//! user as `user_id`, which RabbitMQ checks: that is what proves, to every desk, who published
//! it. Each publish waits for the broker's confirm.

use super::{amqp, Broker, QueueKind};
use eventdesk_core::error::{Error, Result};
use lapin::options::{BasicPublishOptions, QueueDeclareOptions};
use lapin::types::{AMQPValue, FieldTable, ShortString};
use lapin::Connection;

/// A connection with a channel in confirm mode.
pub struct Publisher {
    conn: Connection,
    channel: lapin::Channel,
    user: String,
}

/// A name RabbitMQ takes (a short string: at most 255 bytes).
fn short(field: &str, name: &str) -> Result<ShortString> {
    ShortString::try_new(name).map_err(|_| Error::invalid(field, "must be at most 255 bytes"))
}

/// One message to publish.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publish<'a> {
    /// `""` (the default exchange: `routing_key` names a queue or stream) or an exchange.
    pub exchange: &'a str,
    pub routing_key: &'a str,
    pub body: &'a [u8],
    /// Its id at its origin.
    pub message_id: &'a str,
}

impl Publisher {
    /// Connects to the first node of `broker` that answers.
    pub async fn connect(broker: &Broker) -> Result<Publisher> {
        let (conn, _) = broker.connect("eventdesk-publisher", 0).await?;
        // A node that stops answering right after the handshake is not waited for either.
        let opening = async {
            let channel = conn.create_channel().await.map_err(amqp)?;
            channel
                .confirm_select(lapin::options::ConfirmSelectOptions::default())
                .await
                .map_err(amqp)?;
            Ok::<_, Error>(channel)
        };
        let wait = std::time::Duration::from_millis(super::broker::CONNECT_TIMEOUT_MS);
        let channel = tokio::time::timeout(wait, opening)
            .await
            .unwrap_or_else(|_| {
                Err(Error::Unreachable {
                    what: "RabbitMQ".into(),
                    message: format!("no channel within {} s", wait.as_secs()),
                })
            })?;
        Ok(Publisher {
            conn,
            channel,
            user: broker.user().to_owned(),
        })
    }

    /// Whether the connection is still up.
    pub fn connected(&self) -> bool {
        self.conn.status().connected()
    }

    /// Declares `queue`, durable: a stream (keeping messages for `max_age`, e.g. `7D`, when
    /// given, on `replicas` nodes of a cluster when given), or a classic queue. With `bind`,
    /// binds it to that exchange (which must exist) with the routing key.
    pub async fn declare(
        &self,
        queue: &str,
        kind: QueueKind,
        bind: Option<(&str, &str)>,
        max_age: Option<&str>,
        replicas: Option<u8>,
    ) -> Result<()> {
        let mut args = FieldTable::default();
        if kind == QueueKind::Stream {
            args.insert(
                "x-queue-type".into(),
                AMQPValue::LongString("stream".into()),
            );
            if let Some(age) = max_age {
                args.insert("x-max-age".into(), AMQPValue::LongString(age.into()));
            }
            if let Some(n) = replicas {
                args.insert(
                    "x-initial-cluster-size".into(),
                    AMQPValue::LongInt(n.into()),
                );
            }
        }
        self.channel
            .queue_declare(
                short("queue", queue)?,
                QueueDeclareOptions {
                    durable: true,
                    ..QueueDeclareOptions::default()
                },
                args,
            )
            .await
            .map_err(amqp)?;
        if let Some((exchange, routing_key)) = bind {
            self.channel
                .queue_bind(
                    short("queue", queue)?,
                    short("exchange", exchange)?,
                    short("routing key", routing_key)?,
                    lapin::options::QueueBindOptions::default(),
                    FieldTable::default(),
                )
                .await
                .map_err(amqp)?;
        }
        Ok(())
    }

    /// Deletes `queue` with every message in it.
    pub async fn delete(&self, queue: &str) -> Result<()> {
        self.channel
            .queue_delete(
                short("queue", queue)?,
                lapin::options::QueueDeleteOptions::default(),
            )
            .await
            .map_err(amqp)?;
        Ok(())
    }

    /// Sends `message` and returns the broker's confirm to wait for ([`confirmed`]); many
    /// may be under way on one channel.
    pub async fn send(&self, message: &Publish<'_>) -> Result<lapin::PublisherConfirm> {
        let properties = lapin::BasicProperties::default()
            .with_content_type("application/json".into())
            .with_delivery_mode(2)
            .with_message_id(short("message_id", message.message_id)?)
            .with_user_id(short("user_id", &self.user)?);
        self.channel
            .basic_publish(
                short("exchange", message.exchange)?,
                short("routing key", message.routing_key)?,
                BasicPublishOptions {
                    mandatory: true,
                    immediate: false,
                },
                message.body,
                properties,
            )
            .await
            .map_err(amqp)
    }

    /// Publishes `message` and waits for the broker's confirm.
    pub async fn publish_one(&self, message: &Publish<'_>) -> Result<()> {
        confirmed(self.send(message).await?).await
    }

    /// Publishes each of `bodies` to `exchange` with `routing_key`, each with a new id, and
    /// waits until the broker confirms every one. Returns how many were confirmed.
    pub async fn publish(
        &self,
        exchange: &str,
        routing_key: &str,
        bodies: impl IntoIterator<Item = Vec<u8>>,
    ) -> Result<u64> {
        let batch: u64 = rand::random();
        let bodies: Vec<(String, Vec<u8>)> = bodies
            .into_iter()
            .enumerate()
            .map(|(n, body)| (format!("eventdesk-{batch:016x}-{n}"), body))
            .collect();
        self.publish_all(bodies.iter().map(|(id, body)| Publish {
            exchange,
            routing_key,
            body,
            message_id: id,
        }))
        .await
    }

    /// Publishes every message and waits until the broker confirms each (up to 1,000 under
    /// way). Returns how many were confirmed.
    pub async fn publish_all<'a>(
        &self,
        messages: impl IntoIterator<Item = Publish<'a>>,
    ) -> Result<u64> {
        let mut waiting = Vec::new();
        let mut confirmed_count = 0;
        for message in messages {
            waiting.push(self.send(&message).await?);
            if waiting.len() >= 1_000 {
                for confirm in std::mem::take(&mut waiting) {
                    confirmed(confirm).await?;
                    confirmed_count += 1;
                }
            }
        }
        for confirm in waiting {
            confirmed(confirm).await?;
            confirmed_count += 1;
        }
        Ok(confirmed_count)
    }

    /// Closes the connection, waiting (up to a second) for the broker to agree.
    pub async fn close(self) {
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(1),
            self.conn.close(200, "bye".into()),
        )
        .await;
    }
}

/// Waits for the broker's word on one publish: `Ok` only when it took the message into a
/// queue (a message that no queue took comes back, and is an error).
pub async fn confirmed(confirm: lapin::PublisherConfirm) -> Result<()> {
    match confirm.await.map_err(amqp)? {
        lapin::Confirmation::Ack(None) => Ok(()),
        lapin::Confirmation::Ack(Some(returned)) | lapin::Confirmation::Nack(Some(returned)) => {
            Err(Error::Unreachable {
                what: "RabbitMQ".into(),
                message: format!(
                    "it returned the message: no queue took it ({} {})",
                    returned.reply_code, returned.reply_text
                ),
            })
        }
        lapin::Confirmation::Nack(None) => Err(Error::Unreachable {
            what: "RabbitMQ".into(),
            message: "it refused the message (nack)".into(),
        }),
        lapin::Confirmation::NotRequested => Ok(()),
    }
}
