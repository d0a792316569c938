//! `note`: leave a note on an event, with the window's checks: in a desk's file, or
//! (`--stream`) through a team's stream as the broker user the tool logs in as.

use crate::broker::BrokerArgs;
use crate::local::{author, change_event};
use crate::team::stream_name;
use eventdesk_core::db::actions;
use eventdesk_core::services::team::NoteMessage;
use eventdesk_core::{Clock, Error, SystemClock};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct NoteArgs {
    /// A desk's file (working alone).
    #[arg(long, required_unless_present = "stream", conflicts_with = "stream")]
    db: Option<PathBuf>,
    /// The event's id in the file.
    #[arg(long, requires = "db", value_parser = clap::value_parser!(i64).range(1..))]
    id: Option<i64>,
    /// A team's stream: the note is published as the broker user (`--amqp` or
    /// EVENTDESK_AMQP_URL, with EVENTDESK_AMQP_PASSWORD) and every desk keeps it; prints the
    /// message's id.
    #[arg(long, value_parser = stream_name, requires = "event")]
    stream: Option<String>,
    #[command(flatten)]
    broker: BrokerArgs,
    /// The desk a team message is sent from (a label).
    #[arg(long, default_value = "cli", requires = "stream")]
    desk: String,
    /// The event's team key (as `dump --team` and the window show it).
    #[arg(long, requires = "stream")]
    event: Option<String>,
    /// The note: plain text, at most 2,000 characters.
    #[arg(long)]
    text: String,
    /// Written by this operator (the desk's operator when absent; on a team, the broker user).
    #[arg(long = "as", value_name = "NAME", conflicts_with = "stream")]
    author: Option<String>,
}

pub fn note(args: NoteArgs) -> Result<(), Error> {
    if let Some(stream) = &args.stream {
        let event = args.event.clone().unwrap_or_default();
        let message = NoteMessage::new(&args.desk, SystemClock.now_ms(), &event, &args.text);
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
    change_event(db, |w| actions::note(w, id, &args.text, author))
}
