//! Setting queues up and publishing to them: the command-line tool's `declare` and
//! `publish`, tests and benchmarks. Eventdesk itself only consumes.

use super::{amqp, QueueKind};
use eventdesk_core::error::{Error, Result};
use lapin::options::QueueDeclareOptions;
use lapin::types::{AMQPValue, FieldTable};
use lapin::{Connection, ConnectionProperties};

/// A connection for setting queues up and publishing to them (the command-line tool's
/// `declare` and `publish`, tests and benchmarks; Eventdesk itself only consumes).
pub struct Publisher {
    _conn: Connection,
    channel: lapin::Channel,
}

/// A name RabbitMQ takes (a short string: at most 255 bytes).
fn short(field: &str, name: &str) -> Result<lapin::types::ShortString> {
    lapin::types::ShortString::try_new(name)
        .map_err(|_| Error::invalid(field, "must be at most 255 bytes"))
}

impl Publisher {
    pub async fn connect(url: &str) -> Result<Publisher> {
        let conn = Connection::connect(
            url,
            ConnectionProperties::default().with_connection_name("eventdesk-cli".into()),
        )
        .await
        .map_err(amqp)?;
        let channel = conn.create_channel().await.map_err(amqp)?;
        channel
            .confirm_select(lapin::options::ConfirmSelectOptions::default())
            .await
            .map_err(amqp)?;
        Ok(Publisher {
            _conn: conn,
            channel,
        })
    }

    /// Declares `queue`, durable: a stream (keeping messages for `max_age`, e.g. `7D`, when
    /// given), or a classic queue. With `bind`, binds it to that exchange (which must exist)
    /// with the routing key.
    pub async fn declare(
        &self,
        queue: &str,
        kind: QueueKind,
        bind: Option<(&str, &str)>,
        max_age: Option<&str>,
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

    /// Publishes each of `bodies` to `exchange` with `routing_key` (the default exchange, `""`,
    /// and a queue's name reach that queue), persistent, each with a message id of its own
    /// (so that a consumer knows a redelivery from a repeat), and waits until the broker
    /// confirms every one. Returns how many were confirmed.
    pub async fn publish(
        &self,
        exchange: &str,
        routing_key: &str,
        bodies: impl IntoIterator<Item = Vec<u8>>,
    ) -> Result<u64> {
        let (exchange, routing_key) = (
            short("exchange", exchange)?,
            short("routing key", routing_key)?,
        );
        let properties = lapin::BasicProperties::default()
            .with_content_type("application/json".into())
            .with_delivery_mode(2);
        let mut waiting = Vec::new();
        let mut confirmed = 0;
        let batch: u64 = rand::random();
        for (n, body) in bodies.into_iter().enumerate() {
            let id = format!("eventdesk-{batch:016x}-{n}");
            waiting.push(
                self.channel
                    .basic_publish(
                        exchange.clone(),
                        routing_key.clone(),
                        lapin::options::BasicPublishOptions::default(),
                        &body,
                        properties.clone().with_message_id(id.into()),
                    )
                    .await
                    .map_err(amqp)?,
            );
            if waiting.len() >= 1_000 {
                confirmed += confirm(std::mem::take(&mut waiting)).await?;
            }
        }
        Ok(confirmed + confirm(waiting).await?)
    }
}

/// Waits for the broker's word on each publish.
async fn confirm(waiting: Vec<lapin::PublisherConfirm>) -> Result<u64> {
    let mut confirmed = 0;
    for confirm in waiting {
        match confirm.await.map_err(amqp)? {
            lapin::Confirmation::Nack(_) => {
                return Err(Error::storage("RabbitMQ refused a message (nack)"))
            }
            _ => confirmed += 1,
        }
    }
    Ok(confirmed)
}
