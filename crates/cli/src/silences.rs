//! `silence add|list|expire`: silences in a desk's file, with the same checks as the window's,
//! or (`--stream`) published to a team's stream as the broker user the tool logs in as, for
//! every desk of the team to apply.

use crate::broker::BrokerArgs;
use crate::inspect::open_for_reading;
use crate::local::{author, open_for_writing};
use crate::team::stream_name;
use eventdesk_core::db::silences;
use eventdesk_core::model::{matchers_text, parse_matchers};
use eventdesk_core::services::team::{SilenceChange, SilenceMessage};
use eventdesk_core::{AppSettings, Clock, CommitFeed, Error, SilenceDraft, SystemClock};
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub enum SilenceCommand {
    /// Make a silence: its matchers (`{source="db-7", label.team=~"db.*"}`), how long, why.
    /// Prints it as JSON, with how many events that are not completed it matches now.
    Add(AddArgs),
    /// Print every silence (newest first) as one JSON line each, with its state now.
    List(ListArgs),
    /// End a silence now.
    Expire(ExpireArgs),
}

#[derive(clap::Args)]
pub struct SilenceArgs {
    #[command(subcommand)]
    command: SilenceCommand,
}

/// Where a silence is made: a desk's file, or a team's stream.
#[derive(clap::Args)]
pub struct Target {
    /// A desk's file (working alone).
    #[arg(long, required_unless_present = "stream", conflicts_with = "stream")]
    db: Option<PathBuf>,
    /// A team's stream: the silence is published as the broker user (`--amqp` or
    /// EVENTDESK_AMQP_URL, with EVENTDESK_AMQP_PASSWORD) and every desk of the team applies
    /// it; prints the message's id.
    #[arg(long, value_parser = stream_name)]
    stream: Option<String>,
    #[command(flatten)]
    broker: BrokerArgs,
    /// The desk a team message is sent from (a label).
    #[arg(long, default_value = "cli", requires = "stream")]
    desk: String,
}

impl Target {
    /// Publishes `change` to the team's stream, made at `at`; prints its id.
    fn publish(&self, stream: &str, at: i64, change: SilenceChange) -> Result<(), Error> {
        let message = SilenceMessage::new(&self.desk, at, change);
        message.validate()?;
        let broker = self.broker.broker()?;
        crate::broker::publish(&broker, stream, &message.id, message.to_body())?;
        println!("{}", message.id);
        Ok(())
    }
}

#[derive(clap::Args)]
pub struct AddArgs {
    #[command(flatten)]
    target: Target,
    /// The matchers, written as in the window.
    #[arg(long = "match", value_name = "MATCHERS")]
    matchers: String,
    /// How long it lasts from its start, in minutes.
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..=527_040))]
    minutes: i64,
    /// When it starts (Unix ms); now when absent.
    #[arg(long)]
    starts: Option<i64>,
    /// Why (required).
    #[arg(long)]
    comment: String,
    /// Made by this operator (the desk's operator when absent; on a team, the broker user).
    #[arg(long = "as", value_name = "NAME", conflicts_with = "stream")]
    author: Option<String>,
}

#[derive(clap::Args)]
pub struct ListArgs {
    #[arg(long)]
    db: PathBuf,
}

#[derive(clap::Args)]
pub struct ExpireArgs {
    #[command(flatten)]
    target: Target,
    /// The silence's id in the file.
    #[arg(long, requires = "db", value_parser = clap::value_parser!(i64).range(1..))]
    id: Option<i64>,
    /// A team silence's key (`silence list` on a replica shows it; `silence add --stream`
    /// prints it).
    #[arg(long, requires = "stream")]
    key: Option<String>,
    /// The version shown (a team's stream: required, as `silence list` on a replica shows
    /// it; a newer version makes every desk refuse the expiry).
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..))]
    expected_version: Option<i64>,
    #[arg(long = "as", value_name = "NAME", conflicts_with = "stream")]
    author: Option<String>,
}

pub fn run(args: SilenceArgs) -> Result<(), Error> {
    match args.command {
        SilenceCommand::Add(a) => add(a),
        SilenceCommand::List(a) => list(a),
        SilenceCommand::Expire(a) => expire(a),
    }
}

fn add(args: AddArgs) -> Result<(), Error> {
    let matchers = parse_matchers(&args.matchers)?;
    let author = author(args.author.as_deref())?;
    let now = SystemClock.now_ms();
    let starts = args.starts.unwrap_or(now);
    let draft = SilenceDraft {
        matchers,
        starts_at: args.starts,
        ends_at: starts.max(now) + args.minutes * 60_000,
        comment: args.comment,
    };
    let db = match (&args.target.stream, &args.target.db) {
        (Some(stream), _) => {
            // Checked as every desk will check it (the length against the longest any team
            // allows: the team's own limit is in its log), so that a mistake names its field.
            draft.check(
                now,
                i64::from(*AppSettings::SILENCE_DAYS.end()) * 86_400_000,
            )?;
            return args
                .target
                .publish(stream, now, SilenceChange::Add { draft });
        }
        (None, Some(db)) => db,
        (None, None) => return Err(Error::invalid("db", "name a file (--db) or a stream")),
    };
    let mut conn = open_for_writing(db)?;
    let max = AppSettings::load_from(&conn).0.max_silence_ms();
    let (feed, _rx) = CommitFeed::new();
    let silence = feed.write(&mut conn, &SystemClock, |w| {
        silences::add(w, &draft, &author, max)
    })?;
    let matches = eventdesk_core::read::query::preview_silence(&mut conn, &silence.matchers)?;
    let mut value = serde_json::to_value(&silence).map_err(Error::storage)?;
    value["matches"] = matches.into();
    println!("{value}");
    Ok(())
}

fn list(args: ListArgs) -> Result<(), Error> {
    let conn = open_for_reading(&args.db)?;
    let now = SystemClock.now_ms();
    for s in silences::list(&conn)? {
        let mut value = serde_json::to_value(&s).map_err(Error::storage)?;
        value["state"] = serde_json::to_value(s.state(now)).map_err(Error::storage)?;
        value["written"] = matchers_text(&s.matchers).into();
        println!("{value}");
    }
    Ok(())
}

fn expire(args: ExpireArgs) -> Result<(), Error> {
    let author = author(args.author.as_deref())?;
    let db = match (&args.target.stream, &args.target.db) {
        (Some(stream), _) => {
            let expected_version = args
                .expected_version
                .ok_or_else(|| Error::invalid("expected-version", "a team's expiry needs it"))?;
            let change = SilenceChange::Expire {
                silence: args
                    .key
                    .clone()
                    .ok_or_else(|| Error::invalid("key", "name the team's silence (--key)"))?,
                expected_version,
            };
            return args.target.publish(stream, SystemClock.now_ms(), change);
        }
        (None, Some(db)) => db,
        (None, None) => return Err(Error::invalid("db", "name a file (--db) or a stream")),
    };
    let id = args
        .id
        .ok_or_else(|| Error::invalid("id", "name the silence (--id)"))?;
    let mut conn = open_for_writing(db)?;
    let current = silences::find(&conn, id)?
        .ok_or_else(|| Error::invalid("id", format!("there is no silence {id}")))?;
    if args.expected_version.is_some_and(|v| v != current.version) {
        return Err(Error::invalid(
            "expected-version",
            format!(
                "silence {id} is at version {} now: look at it again",
                current.version
            ),
        ));
    }
    let (feed, _rx) = CommitFeed::new();
    let silence = feed.write(&mut conn, &SystemClock, |w| {
        silences::expire(w, id, current.version, &author)
    })?;
    println!(
        "{}",
        serde_json::to_string(&silence).map_err(Error::storage)?
    );
    Ok(())
}
