//! What every command that talks to RabbitMQ shares: where the broker is (`--amqp` without a
//! password, or `EVENTDESK_AMQP_URL`, with `EVENTDESK_AMQP_PASSWORD`), the limits of messages
//! taken from outside, a runtime, a stop on Ctrl+C or SIGTERM, and one message published with
//! its confirm awaited.

use eventdesk_core::model::MessageLimits;
use eventdesk_core::Error;
use eventdesk_sources::amqp::{self, Broker, Publisher, QueueState};
use std::time::Duration;

/// Where the broker is, for every command that talks to it.
#[derive(clap::Args)]
pub struct BrokerArgs {
    /// RabbitMQ URL(s) without a password, comma-separated nodes of one cluster (default:
    /// EVENTDESK_AMQP_URL); the password comes from EVENTDESK_AMQP_PASSWORD.
    #[arg(long)]
    pub amqp: Option<String>,
}

impl BrokerArgs {
    /// The broker named (`--amqp`, which must not carry a password, or the environment).
    pub fn broker(&self) -> Result<Broker, Error> {
        Broker::for_command(self.amqp.as_deref(), |name| std::env::var(name).ok())
    }
}

/// The limits of messages taken from outside.
#[derive(clap::Args)]
pub struct LimitArgs {
    /// The largest message taken, in bytes (1,024 to 4,194,304).
    #[arg(long, default_value_t = MessageLimits::default().max_message,
          value_parser = clap::value_parser!(u32).range(1_024..=4_194_304))]
    pub max_message: u32,
    /// The most alerts one Alertmanager message may hold (1 to 10,000).
    #[arg(long, default_value_t = MessageLimits::default().max_alerts,
          value_parser = clap::value_parser!(u32).range(1..=10_000))]
    pub max_alerts: u32,
}

impl LimitArgs {
    pub fn limits(&self) -> MessageLimits {
        MessageLimits {
            max_message: self.max_message,
            max_alerts: self.max_alerts,
        }
    }
}

/// Resolves when the process is asked to stop: Ctrl+C, or SIGTERM (a service manager).
pub async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}

pub fn runtime() -> Result<tokio::runtime::Runtime, Error> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(Error::from)
}

/// Says on standard error when a consumer connects (to which node) or goes offline (until
/// aborted).
pub async fn watch_state(status: amqp::StatusCell) {
    let mut shown = String::new();
    loop {
        tokio::time::sleep(Duration::from_millis(100)).await;
        let now = amqp::status_of(&status);
        let line = match now.state {
            QueueState::Offline { error, .. } => format!("offline: {error} (trying again)"),
            QueueState::Connected { .. } => match now.node {
                Some(node) => format!("connected to {node}"),
                None => "connected".to_owned(),
            },
            _ => continue,
        };
        if line != shown {
            eprintln!("{line}");
            shown = line;
        }
    }
}

/// How a consumer that ended is reported: still offline, or failed, is an error.
pub fn ended(state: QueueState) -> Result<(), Error> {
    match state {
        QueueState::Offline { error, .. } => Err(Error::Unreachable {
            what: "RabbitMQ".into(),
            message: format!("stopped after waiting: {error}"),
        }),
        QueueState::Failed { error, .. } => Err(Error::storage(format!("stopped: {error}"))),
        _ => Ok(()),
    }
}

/// How long publishing one message waits for the broker's confirm.
const CONFIRM_WAIT: Duration = Duration::from_secs(10);

/// Publishes one message to `stream` as the broker user and waits for RabbitMQ's confirm.
pub(crate) fn publish(
    broker: &amqp::Broker,
    stream: &str,
    id: &str,
    body: Vec<u8>,
) -> Result<(), Error> {
    runtime()?.block_on(async {
        let publisher = Publisher::connect(broker).await?;
        let message = amqp::Publish {
            exchange: "",
            routing_key: stream,
            body: &body,
            message_id: id,
        };
        let publishing = publisher.publish_one(&message);
        let sent = tokio::time::timeout(CONFIRM_WAIT, publishing)
            .await
            .unwrap_or_else(|_| {
                Err(Error::Unreachable {
                    what: "RabbitMQ".into(),
                    message: format!(
                        "it did not confirm within {} s: the message may or may not be in the \
                         stream (every desk shows what became of it once applied)",
                        CONFIRM_WAIT.as_secs()
                    ),
                })
            });
        publisher.close().await;
        sent
    })
}
