//! The commands that set RabbitMQ up for Eventdesk (`declare`, with `--delete`) and publish to
//! it from standard input (`publish`).

use crate::broker::{runtime, BrokerArgs};
use eventdesk_core::Error;
use eventdesk_sources::amqp::{Broker, Publisher, QueueKind};
use std::io::BufRead;

#[derive(clap::Args)]
pub struct DeclareArgs {
    #[command(flatten)]
    broker: BrokerArgs,
    #[arg(long)]
    queue: String,
    /// A classic queue instead of a stream.
    #[arg(long)]
    classic: bool,
    /// Bind it to this exchange (which must exist), with --routing-key.
    #[arg(long)]
    bind: Option<String>,
    #[arg(long, default_value = "#", requires = "bind")]
    routing_key: String,
    /// How long a stream keeps messages (RabbitMQ's x-max-age: a number and Y, M, D, h,
    /// m or s, e.g. 7D).
    #[arg(long, conflicts_with = "classic", value_parser = max_age)]
    max_age: Option<String>,
    /// On how many nodes of a cluster a stream is kept (x-initial-cluster-size).
    #[arg(long, conflicts_with = "classic", value_parser = clap::value_parser!(u8).range(1..=9))]
    replicas: Option<u8>,
    /// Delete the queue or stream (and every message in it) instead.
    #[arg(long, conflicts_with_all = ["classic", "bind", "max_age", "replicas"])]
    delete: bool,
}

#[derive(clap::Args)]
pub struct PublishArgs {
    #[command(flatten)]
    broker: BrokerArgs,
    #[arg(
        long,
        conflicts_with = "exchange",
        required_unless_present = "exchange"
    )]
    queue: Option<String>,
    #[arg(long, requires = "routing_key")]
    exchange: Option<String>,
    #[arg(long)]
    routing_key: Option<String>,
}

/// A retention age as RabbitMQ takes it: digits and one of `YMDhms`.
pub fn max_age(text: &str) -> Result<String, String> {
    let (digits, unit) = text.split_at(text.len().saturating_sub(1));
    if !digits.is_empty()
        && digits.len() <= 6
        && digits.bytes().all(|b| b.is_ascii_digit())
        && matches!(unit, "Y" | "M" | "D" | "h" | "m" | "s")
    {
        Ok(text.to_owned())
    } else {
        Err(format!(
            "expected a number and Y, M, D, h, m or s (e.g. 7D), got {text:?}"
        ))
    }
}

/// Declares a durable queue or stream (on `replicas` nodes of a cluster), bound to an exchange
/// if asked; or deletes it with `--delete`.
pub fn declare(args: DeclareArgs) -> Result<(), Error> {
    let broker = args.broker.broker()?;
    if args.delete {
        return delete(&broker, &args.queue);
    }
    let kind = if args.classic {
        QueueKind::Queue
    } else {
        QueueKind::Stream
    };
    let bind = args.bind.as_deref().map(|b| (b, args.routing_key.as_str()));
    runtime()?.block_on(async {
        let publisher = Publisher::connect(&broker).await?;
        let declared = publisher
            .declare(
                &args.queue,
                kind,
                bind,
                args.max_age.as_deref(),
                args.replicas,
            )
            .await;
        publisher.close().await;
        declared
    })?;
    println!("declared {}", args.queue);
    Ok(())
}

/// Deletes a queue or stream.
fn delete(broker: &Broker, queue: &str) -> Result<(), Error> {
    runtime()?.block_on(async {
        let publisher = Publisher::connect(broker).await?;
        let deleted = publisher.delete(queue).await;
        publisher.close().await;
        deleted
    })?;
    println!("deleted {queue}");
    Ok(())
}

/// Publishes each non-blank line of standard input as one message, to a queue through the
/// default exchange or to an exchange, waiting for the broker's confirms; prints how many.
pub fn publish(args: PublishArgs) -> Result<(), Error> {
    let (exchange, routing_key) = match (args.queue, args.exchange, args.routing_key) {
        (Some(queue), None, _) => (String::new(), queue),
        (None, Some(exchange), Some(key)) => (exchange, key),
        _ => {
            return Err(Error::invalid(
                "queue",
                "name a queue, or an exchange and a routing key",
            ))
        }
    };
    let broker = args.broker.broker()?;
    let mut bodies = Vec::new();
    for line in std::io::stdin().lock().lines() {
        let line = line.map_err(|e| Error::invalid("input", format!("cannot read it: {e}")))?;
        if !line.trim().is_empty() {
            bodies.push(line.into_bytes());
        }
    }
    let confirmed = runtime()?.block_on(async {
        let publisher = Publisher::connect(&broker).await?;
        let sent = publisher.publish(&exchange, &routing_key, bodies).await;
        publisher.close().await;
        sent
    })?;
    println!("published {confirmed}");
    Ok(())
}
