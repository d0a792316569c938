//! `assign`: claim an event, assign it to an operator, or release it, with the window's
//! checks: in a desk's file, or (`--stream`) through a team's stream as the broker user the
//! tool logs in as.

use crate::broker::BrokerArgs;
use crate::local::{author, change_event};
use crate::team::stream_name;
use eventdesk_core::db::{actions, rows};
use eventdesk_core::services::team::{AssignMessage, TeamTarget};
use eventdesk_core::{Actor, Clock, Error, SystemClock};
use std::path::PathBuf;

#[derive(clap::Args)]
#[command(group(clap::ArgGroup::new("whom").required(true).args(["to", "me", "nobody"])))]
pub struct AssignArgs {
    /// A desk's file (working alone).
    #[arg(long, required_unless_present = "stream", conflicts_with = "stream")]
    db: Option<PathBuf>,
    /// The event's id in the file.
    #[arg(long, requires = "db", value_parser = clap::value_parser!(i64).range(1..))]
    id: Option<i64>,
    /// A team's stream: the assignment is published as the broker user (`--amqp` or
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
    /// Assigned to this operator (on a team: a user of its roster).
    #[arg(long, value_name = "NAME")]
    to: Option<String>,
    /// Taken by whoever does it (the desk's operator, `--as`, or the broker user).
    #[arg(long)]
    me: bool,
    /// Released: assigned to nobody.
    #[arg(long)]
    nobody: bool,
    /// Done by this operator (the desk's operator when absent; on a team, the broker user).
    #[arg(long = "as", value_name = "NAME", conflicts_with = "stream")]
    author: Option<String>,
}

pub fn assign(args: AssignArgs) -> Result<(), Error> {
    if let Some(stream) = &args.stream {
        let broker = args.broker.broker()?;
        let assignee = match (&args.to, args.me) {
            (Some(name), _) => Some(name.clone()),
            (None, true) => Some(broker.user().to_owned()),
            (None, false) => None,
        };
        let target = TeamTarget {
            event: args.event.clone().unwrap_or_default(),
            expected_version: args.expected_version.unwrap_or(0),
        };
        let message = AssignMessage::new(
            &args.desk,
            SystemClock.now_ms(),
            assignee.as_deref(),
            vec![target],
        );
        message.validate()?;
        crate::broker::publish(&broker, stream, &message.id, message.to_body())?;
        println!("{}", message.id);
        return Ok(());
    }
    let (Some(db), Some(id)) = (&args.db, args.id) else {
        return Err(Error::invalid("id", "name the event (--db and --id)"));
    };
    let author = author(args.author.as_deref())?;
    let to = match (&args.to, args.me) {
        (Some(name), _) => Some(Actor::operator(name).map_err(|m| Error::invalid("to", m))?),
        (None, true) => Some(author.clone()),
        (None, false) => None,
    };
    change_event(db, |w| {
        let version = match args.expected_version {
            Some(version) => version,
            None => rows::load_event(&*w, id)?.version,
        };
        actions::assign(w, id, version, to.as_ref(), author)
    })
}
