//! Team desks without a window: a team created on a stream (`create-team`) and its roster
//! changed by an admin (`roster`), a headless replica of the team's stream (`replicate`), an
//! operator's action published to it (`act`), and a desk's state as canonical lines
//! (`dump --team`), so that replicas can be compared with `diff`. Who publishes is the broker
//! user the tool logs in as (`--amqp` without a password, or `EVENTDESK_AMQP_URL`, with
//! `EVENTDESK_AMQP_PASSWORD`).

use crate::broker::{ended, interrupted, publish, runtime, watch_state, BrokerArgs, LimitArgs};
use crate::local::open_for_any_writer;
use eventdesk_core::model::{Member, MessageLimits, Role};
use eventdesk_core::services::team::{
    self, ActionMessage, Replica, RosterMessage, TeamRef, TeamTarget,
};
use eventdesk_core::{Action, CommitFeed, Error, SystemClock};
use eventdesk_sources::amqp::{self, presence, Publisher, QueueKind, Until};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

#[derive(clap::Args)]
pub struct ReplicateArgs {
    #[arg(long)]
    db: PathBuf,
    #[command(flatten)]
    broker: BrokerArgs,
    /// The team: STREAM/ADMIN (its stream and its founding admin's RabbitMQ user).
    #[arg(long)]
    team: TeamRef,
    /// Stop once no message came for this many seconds (default: until interrupted).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    until_idle: Option<u64>,
    /// Announce this desk to the team under this name (shown in every window's Team panel).
    #[arg(long)]
    desk: Option<String>,
}

/// Applies the team's stream to the database, from where it stopped (or the stream's first
/// retained message), until interrupted or until no message came for `--until-idle`. Prints
/// what it applied as JSON.
pub fn replicate(args: ReplicateArgs) -> Result<(), Error> {
    let broker = args.broker.broker()?;
    if let Some(desk) = &args.desk {
        eventdesk_core::services::team::check_desk(desk)?;
    }
    let conn = open_for_any_writer(&args.db)?;
    let (feed, _rx) = CommitFeed::new();
    let replica = Replica::new(conn, feed, Arc::new(SystemClock), &args.team)?;
    let source = amqp::QueueSource {
        broker: broker.clone(),
        queue: args.team.stream.clone(),
        kind: QueueKind::Stream,
    };
    let progress = replica.progress();
    let status = amqp::status_cell(&source);
    let until = args
        .until_idle
        .map(Duration::from_secs)
        .map_or(Until::Stopped, Until::Idle);
    runtime()?.block_on(async {
        let (stop, stopped) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            interrupted().await;
            let _ = stop.send(true);
        });
        let shown = tokio::spawn(watch_state(status.clone()));
        if let Some(desk) = &args.desk {
            tokio::spawn(presence::run(
                broker.clone(),
                args.team.stream.clone(),
                presence::announcing(desk, broker.user(), progress, || false),
                |_: &str| false, // it announces itself and shows no one
                Arc::default(),
                stopped.clone(),
            ));
        }
        amqp::consume(source, replica, status.clone(), stopped, until).await;
        shown.abort();
    });
    let done = amqp::status_of(&status);
    println!(
        "{}",
        serde_json::to_string(&done.activity.counts).map_err(Error::storage)?
    );
    ended(done.state)
}

/// What `act` does.
#[derive(Clone, Copy, clap::ValueEnum)]
enum ActionArg {
    Acknowledge,
    Complete,
    Reopen,
}

#[derive(clap::Args)]
pub struct ActArgs {
    #[command(flatten)]
    broker: BrokerArgs,
    #[arg(long, value_parser = stream_name)]
    stream: String,
    /// The desk it is sent from.
    #[arg(long, default_value = "cli")]
    desk: String,
    #[arg(long, value_enum)]
    action: ActionArg,
    /// The event's team key (as `dump --team` and the window show it).
    #[arg(long)]
    event: String,
    /// The version the operator saw: another change since makes the action a conflict.
    #[arg(long, allow_negative_numbers = true, value_parser = clap::value_parser!(i64).range(1..))]
    expected_version: i64,
}

pub(crate) fn stream_name(text: &str) -> Result<String, String> {
    team::check_stream(text)
        .map(|()| text.to_owned())
        .map_err(|e| e.to_string())
}

/// Publishes one operator's action (as the broker user) on one event to the team's stream and
/// waits for RabbitMQ's confirm. Prints the action's id: its outcome is in every replica once
/// applied.
pub fn act(args: ActArgs) -> Result<(), Error> {
    let broker = args.broker.broker()?;
    let action = match args.action {
        ActionArg::Acknowledge => Action::Acknowledge,
        ActionArg::Complete => Action::Complete,
        ActionArg::Reopen => Action::Reopen,
    };
    let target = TeamTarget {
        event: args.event,
        expected_version: args.expected_version,
    };
    let message = ActionMessage::new(&args.desk, action, vec![target]);
    message.validate()?;
    publish(&broker, &args.stream, &message.id, message.to_body())?;
    println!("{}", message.id);
    Ok(())
}

#[derive(clap::Args)]
pub struct CreateTeamArgs {
    #[command(flatten)]
    broker: BrokerArgs,
    /// The team's stream, declared here (durable).
    #[arg(long, value_parser = stream_name)]
    stream: String,
    /// On how many nodes of a cluster the stream is kept (x-initial-cluster-size).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=9))]
    replicas: Option<u8>,
    /// How long the stream keeps messages (a number and Y, M, D, h, m or s, e.g. 30D).
    #[arg(long, value_parser = crate::queues::max_age)]
    max_age: Option<String>,
    /// How the team shows its founder.
    #[arg(long)]
    name: Option<String>,
    /// What every desk applies (admins change it later with `roster`).
    #[command(flatten)]
    limits: LimitArgs,
}

/// Founds a team: declares its stream and publishes the founding roster message as the broker
/// user, who becomes the team's first admin. Prints the join string (`STREAM/ADMIN`).
pub fn create_team(args: CreateTeamArgs) -> Result<(), Error> {
    let broker = args.broker.broker()?;
    let founder = TeamRef::new(&args.stream, broker.user())?;
    let message = RosterMessage {
        id: team::new_id("create"),
        set: vec![Member {
            user: founder.admin.clone(),
            role: Role::Admin,
            name: args.name,
        }],
        remove: vec![],
        limits: Some(args.limits.limits()),
        max_silence_days: None,
        timers: None,
    };
    message.validate(&founder.admin)?;
    runtime()?.block_on(async {
        let publisher = Publisher::connect(&broker).await?;
        publisher
            .declare(
                &args.stream,
                QueueKind::Stream,
                None,
                args.max_age.as_deref(),
                args.replicas,
            )
            .await?;
        let sent = publisher
            .publish_one(&amqp::Publish {
                exchange: "",
                routing_key: &args.stream,
                body: &message.to_body(),
                message_id: &message.id,
            })
            .await;
        publisher.close().await;
        sent
    })?;
    println!("{founder}");
    Ok(())
}

#[derive(clap::Args)]
pub struct RosterArgs {
    #[command(flatten)]
    broker: BrokerArgs,
    #[arg(long, value_parser = stream_name)]
    stream: String,
    /// Give a broker user a role: USER=admin|operator|viewer, or USER=ROLE:Display Name.
    #[arg(long = "set", value_parser = member)]
    set: Vec<Member>,
    /// Take a broker user off the roster.
    #[arg(long = "remove")]
    remove: Vec<String>,
    /// The largest message every desk applies, in bytes (with --max-alerts).
    #[arg(long, requires = "max_alerts")]
    max_message: Option<u32>,
    #[arg(long, requires = "max_message")]
    max_alerts: Option<u32>,
    /// The longest the team's silences may last, in days (1 to 365; 30 until set).
    #[arg(long)]
    max_silence_days: Option<u32>,
    #[command(flatten)]
    timers: crate::timers::TimerArgs,
}

/// `USER=ROLE` or `USER=ROLE:NAME`.
fn member(text: &str) -> Result<Member, String> {
    let (user, rest) = text
        .split_once('=')
        .ok_or_else(|| format!("expected USER=ROLE[:NAME], got {text:?}"))?;
    let (role, name) = match rest.split_once(':') {
        Some((role, name)) => (role, Some(name.to_owned())),
        None => (rest, None),
    };
    let role = Role::parse(role)
        .ok_or_else(|| format!("a role is admin, operator or viewer, got {role:?}"))?;
    Ok(Member {
        user: user.to_owned(),
        role,
        name,
    })
}

/// Publishes an admin's change to the roster (or the team's limits), as the broker user: it
/// counts on every desk only when that user is an admin at that point of the log. Prints the
/// message's id; the change is in every replica's `dump --team` once applied.
pub fn roster(args: RosterArgs) -> Result<(), Error> {
    let broker = args.broker.broker()?;
    let message = RosterMessage {
        id: team::new_id("roster"),
        set: args.set,
        remove: args.remove,
        limits: args
            .max_message
            .zip(args.max_alerts)
            .map(|(max_message, max_alerts)| MessageLimits {
                max_message,
                max_alerts,
            }),
        max_silence_days: args.max_silence_days,
        timers: args
            .timers
            .policy()
            .map_err(|e| Error::invalid("ackTimeout", e))?,
    };
    // The founder is not known here: every desk checks that it stays an admin.
    message.validate("")?;
    publish(&broker, &args.stream, &message.id, message.to_body())?;
    println!("{}", message.id);
    Ok(())
}
