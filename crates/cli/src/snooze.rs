//! `snooze`: snooze an event until a time, or wake it, with the window's checks: in a desk's
//! file, or (`--stream`) through a team's stream as the broker user the tool logs in as.

use crate::broker::BrokerArgs;
use crate::local::{author, change_event};
use crate::team::stream_name;
use eventdesk_core::db::{actions, rows};
use eventdesk_core::services::team::{SnoozeMessage, TeamTarget};
use eventdesk_core::{Clock, Error, SystemClock};
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("when").required(true).args(["minutes", "until", "wake"])))]
pub struct SnoozeArgs {
    /// A desk's file (working alone).
    #[arg(long, required_unless_present = "stream", conflicts_with = "stream")]
    db: Option<PathBuf>,
    /// The event's id in the file.
    #[arg(long, requires = "db", value_parser = clap::value_parser!(i64).range(1..))]
    id: Option<i64>,
    /// A team's stream: the snooze is published as the broker user (`--amqp` or
    /// EVENTDESK_AMQP_URL, with EVENTDESK_AMQP_PASSWORD) and every desk applies it; prints
    /// the message's id.
    #[arg(long, value_parser = stream_name, requires_all = ["event", "expected_version"])]
    stream: Option<String>,
    #[command(flatten)]
    broker: BrokerArgs,
    /// The desk a team message is sent from (a label).
    #[arg(long, default_value = "cli", requires = "stream")]
    desk: String,
    /// The event's team key (as `dump --team` and the window show it).
    #[arg(long, requires = "stream")]
    event: Option<String>,
    /// The version seen: another change since makes it a conflict (required on a stream).
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..))]
    expected_version: Option<i64>,
    /// Snoozed for this many minutes from now (at most 30 days).
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..=43_200))]
    minutes: Option<i64>,
    /// Snoozed until then (Unix ms).
    #[arg(long)]
    until: Option<i64>,
    /// Woken now.
    #[arg(long)]
    wake: bool,
    /// Done by this operator (the desk's operator when absent; on a team, the broker user).
    #[arg(long = "as", value_name = "NAME", conflicts_with = "stream")]
    author: Option<String>,
}

pub fn snooze(args: SnoozeArgs) -> Result<(), Error> {
    let now = SystemClock.now_ms();
    let until = match (args.minutes, args.until) {
        (Some(minutes), _) => Some(now + minutes * 60_000),
        (None, until) => until,
    };
    if let Some(stream) = &args.stream {
        let target = TeamTarget {
            event: args.event.clone().unwrap_or_default(),
            expected_version: args.expected_version.unwrap_or(0),
        };
        let message = SnoozeMessage::new(&args.desk, now, until, vec![target]);
        message.validate()?;
        let broker = args.broker.broker()?;
        crate::broker::publish(&broker, stream, &message.id, message.to_body())?;
        println!("{}", message.id);
        return Ok(());
    }
    let (Some(db), Some(id)) = (&args.db, args.id) else {
        return Err(Error::invalid("id", "name the event (--db and --id)"));
    };
    let author = author(args.author.as_deref())?;
    change_event(db, |w| {
        let version = match args.expected_version {
            Some(version) => version,
            None => rows::load_event(&*w, id)?.version,
        };
        actions::snooze(w, id, version, until, author)
    })
}
