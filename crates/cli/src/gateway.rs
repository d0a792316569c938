//! `gateway`: a long-lived service that feeds senders into a team's stream. It takes the same
//! PagerDuty Events v2 (`/v2/enqueue`) and Alertmanager webhook (`/alertmanager`) requests as a
//! desk's own endpoint, behind the same token, and JSON lines on standard input; each message
//! accepted is published to the stream and answered 202 only once RabbitMQ confirmed it (503
//! with `Retry-After` while the broker is away). SIGTERM or Ctrl+C stops it after the requests
//! under way are answered.

use crate::broker::{interrupted, runtime, BrokerArgs, LimitArgs};
use eventdesk_core::Error;
use eventdesk_sources::gateway::StreamSink;
use eventdesk_sources::http::{self, HttpConfig};
use eventdesk_sources::lines;
use std::net::SocketAddr;

/// The environment variable holding the token senders must give.
pub const TOKEN_VAR: &str = "EVENTDESK_HTTP_TOKEN";
/// The environment variable naming the web pages allowed to send (comma-separated origins).
pub const ORIGINS_VAR: &str = "EVENTDESK_HTTP_ALLOW_ORIGINS";

const UNIT_FILE: &str = "\
Runs as a service, for example with systemd (/etc/systemd/system/eventdesk-gateway.service):

  [Unit]
  Description=Eventdesk gateway into the team stream ops
  After=network-online.target
  Wants=network-online.target

  [Service]
  ExecStart=/usr/bin/eventdesk-cli gateway --stream ops --listen 0.0.0.0:9095
  # Nodes of one cluster, without passwords; the rest from a file only root reads.
  Environment=EVENTDESK_AMQP_URL=amqp://gateway@mq-1:5672/%2f,amqp://gateway@mq-2:5672/%2f
  EnvironmentFile=/etc/eventdesk/gateway.env
  # gateway.env: EVENTDESK_AMQP_PASSWORD=… and EVENTDESK_HTTP_TOKEN=… (16+ characters)
  DynamicUser=yes
  Restart=always
  KillSignal=SIGTERM
  TimeoutStopSec=15

  [Install]
  WantedBy=multi-user.target

It prints `gateway ready: …` on standard output once it listens. Give its RabbitMQ user the
right to publish and nothing else (rabbitmqctl set_permissions -p / gateway '^$'
'^amq\\.default$' '^$'), and never the impersonator tag: what it publishes is an alert, never
an action.
Alertmanager: a webhook receiver with url http://HOST:9095/alertmanager, http_config
authorization credentials set to the token, and max_alerts at most the team's --max-alerts.";

#[derive(clap::Args)]
#[command(after_long_help = UNIT_FILE)]
pub struct GatewayArgs {
    #[command(flatten)]
    broker: BrokerArgs,
    /// The team's stream.
    #[arg(long, value_parser = crate::team::stream_name)]
    stream: String,
    /// Where to take HTTP requests, e.g. 0.0.0.0:9095 (the token is EVENTDESK_HTTP_TOKEN).
    #[arg(long, required_unless_present = "stdin")]
    listen: Option<SocketAddr>,
    /// Also publish the JSON messages on standard input, one a line; without --listen the
    /// gateway ends at the input's end.
    #[arg(long)]
    stdin: bool,
    /// The team's own limits: what no desk would apply is refused here with 400.
    #[command(flatten)]
    limits: LimitArgs,
}

pub fn gateway(args: GatewayArgs) -> Result<(), Error> {
    let broker = args.broker.broker()?;
    let sink = StreamSink::new(broker, &args.stream, args.limits.limits())?;
    let config = match args.listen {
        Some(address) => Some(HttpConfig {
            address: address.ip(),
            port: address.port(),
            // A gateway is for senders on other machines.
            allow_remote: true,
            allowed_origins: std::env::var(ORIGINS_VAR)
                .map(|text| HttpConfig::origins_from(&text))
                .unwrap_or_default(),
            token: std::env::var(TOKEN_VAR).map_err(|_| {
                Error::invalid(
                    TOKEN_VAR,
                    "the gateway needs the token senders give (16 characters or more)",
                )
            })?,
        }),
        None => None,
    };
    if let Some(config) = &config {
        config.validate()?;
    }
    let rt = runtime()?;
    let handle = rt.handle().clone();
    let report = rt.block_on(async {
        if let Err(e) = sink.connect().await {
            eprintln!("the broker is away ({e}); answering 503 until it is back");
        }
        let server = match &config {
            Some(config) => Some(http::serve_stream(config, sink.clone()).await?),
            None => None,
        };
        let listening = server
            .as_ref()
            .map(|s| format!("listening on http://{}, ", s.address()))
            .unwrap_or_default();
        println!(
            "gateway ready: {listening}publishing to {} as {} through {}",
            sink.stream(),
            sink.broker().user(),
            sink.broker().shown()
        );
        let input = args.stdin.then(|| {
            let (sink, handle) = (sink.clone(), handle.clone());
            tokio::task::spawn_blocking(move || {
                lines::take(
                    std::io::stdin(),
                    |batch| handle.block_on(sink.take_lines(batch)),
                    |_| {},
                )
            })
        });
        let report = match input {
            // Standard input alone: until its end (or an interruption).
            Some(input) if server.is_none() => tokio::select! {
                done = input => Some(done.map_err(|e| Error::storage(format!("the input failed: {e}")))??),
                () = interrupted() => None,
            },
            // Also, or only, HTTP: until interrupted.
            _ => {
                interrupted().await;
                None
            }
        };
        if let Some(server) = server {
            // Requests under way are answered (their confirms waited for) before it returns.
            server.stop().await;
        }
        Ok::<_, Error>(report)
    })?;
    let counts = sink.counts();
    println!(
        "{}",
        serde_json::json!({ "published": counts.applied, "rejected": counts.rejected })
    );
    if let Some(report) = report {
        for (line, reason) in &report.rejected {
            eprintln!("line {line}: {reason}");
        }
        if report.counts.rejected > 0 {
            return Err(Error::invalid(
                "input",
                format!(
                    "{} of {} lines were rejected (the others were published)",
                    report.counts.rejected, report.lines
                ),
            ));
        }
    }
    Ok(())
}
