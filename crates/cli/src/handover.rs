//! `handover`: what changed on a desk since a moment, as the window's "Since you left" says it.

use crate::inspect::open_for_reading;
use eventdesk_core::db::handover::{self, MAX_SPAN_MS};
use eventdesk_core::{Actor, Clock, Error, SystemClock};
use std::path::PathBuf;

#[derive(clap::Args)]
pub struct HandoverArgs {
    #[arg(long)]
    db: PathBuf,
    /// From this moment (Unix ms) …
    #[arg(long, conflicts_with = "hours", required_unless_present = "hours")]
    since: Option<i64>,
    /// … or from this many hours ago (1 to 744).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=744))]
    hours: Option<u32>,
    /// As read by this operator (their own completions and reopenings left out): a team
    /// desk's broker user; without it, the operator of a desk working alone.
    #[arg(long = "as", value_name = "USER")]
    reader: Option<String>,
}

/// Prints the summary as one JSON document.
pub fn handover(args: HandoverArgs) -> Result<(), Error> {
    let conn = open_for_reading(&args.db)?;
    let now = SystemClock.now_ms();
    let since = match (args.since, args.hours) {
        (Some(since), _) => since,
        (None, Some(hours)) => now - i64::from(hours) * 3_600_000,
        (None, None) => now - MAX_SPAN_MS,
    };
    let me = match args.reader.as_deref() {
        Some(user) => Actor::operator(user).map_err(|e| Error::invalid("as", e))?,
        None => Actor::User,
    };
    let summary = handover::summary(&conn, since, now, &me)?;
    println!(
        "{}",
        serde_json::to_string_pretty(&summary).map_err(Error::storage)?
    );
    Ok(())
}
