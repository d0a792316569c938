//! `silence add|list|expire`: silences in a desk's file, with the same checks as the window's.

use crate::inspect::open_for_reading;
use crate::local::open_for_writing;
use eventdesk_core::db::silences;
use eventdesk_core::model::{matchers_text, parse_matchers};
use eventdesk_core::{Actor, Clock, CommitFeed, Error, SilenceDraft, SystemClock};
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

#[derive(clap::Args)]
pub struct AddArgs {
    #[arg(long)]
    db: PathBuf,
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
    /// Made by this operator (the desk's operator when absent).
    #[arg(long = "as", value_name = "NAME")]
    author: Option<String>,
}

#[derive(clap::Args)]
pub struct ListArgs {
    #[arg(long)]
    db: PathBuf,
}

#[derive(clap::Args)]
pub struct ExpireArgs {
    #[arg(long)]
    db: PathBuf,
    #[arg(long, value_parser = clap::value_parser!(i64).range(1..))]
    id: i64,
    #[arg(long = "as", value_name = "NAME")]
    author: Option<String>,
}

fn author(name: Option<&str>) -> Result<Actor, Error> {
    match name {
        None => Ok(Actor::User),
        Some(name) => Actor::operator(name).map_err(|m| Error::invalid("as", m)),
    }
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
    let mut conn = open_for_writing(&args.db)?;
    let (feed, _rx) = CommitFeed::new();
    let silence = feed.write(&mut conn, &SystemClock, |w| {
        silences::add(
            w,
            &draft,
            &author,
            eventdesk_core::model::DEFAULT_MAX_SILENCE_MS,
        )
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
    let mut conn = open_for_writing(&args.db)?;
    let current = silences::find(&conn, args.id)?
        .ok_or_else(|| Error::invalid("id", format!("there is no silence {}", args.id)))?;
    let (feed, _rx) = CommitFeed::new();
    let silence = feed.write(&mut conn, &SystemClock, |w| {
        silences::expire(w, args.id, current.version, &author)
    })?;
    println!(
        "{}",
        serde_json::to_string(&silence).map_err(Error::storage)?
    );
    Ok(())
}
