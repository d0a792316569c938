//! Silences in the file (migration 014): each version a row, never changed. Made, edited and
//! expired through the write path, so a failed write leaves nothing; read as their newest
//! versions.

use crate::db::{team_file, Handle, WriteTxn};
use crate::error::{Error, Result};
use crate::model::{Actor, Matcher, Silence, SilenceDraft, SilenceState};
use rusqlite::{params, OptionalExtension, Row};

/// A version's columns, with the team key of its silence (the origin of its first version).
const COLUMNS: &str = "id, version, matchers, starts_at, ends_at, author, comment, made_at, \
     (SELECT origin FROM silences first WHERE first.id = silences.id AND first.version = 1)";

fn silence_from_row(r: &Row<'_>) -> rusqlite::Result<Silence> {
    let text = |i: usize| r.get::<_, String>(i);
    let bad = |i: usize, m: String| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, m.into())
    };
    let matchers: Vec<Matcher> =
        serde_json::from_str(&text(2)?).map_err(|e| bad(2, e.to_string()))?;
    Ok(Silence {
        id: r.get(0)?,
        version: r.get(1)?,
        matchers,
        starts_at: r.get(3)?,
        ends_at: r.get(4)?,
        author: text(5)?.parse().map_err(|e: String| bad(5, e))?,
        comment: text(6)?,
        made_at: r.get(7)?,
        team_key: r.get(8)?,
    })
}

/// Every silence, newest first, each as its newest version says.
pub fn list(conn: &impl Handle) -> Result<Vec<Silence>> {
    let mut stmt = conn.raw().prepare_cached(&format!(
        "SELECT {COLUMNS} FROM silences WHERE version = \
         (SELECT max(version) FROM silences newest WHERE newest.id = silences.id) ORDER BY id DESC"
    ))?;
    let rows = stmt.query_map([], silence_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Every version of every silence, in id and version order.
pub fn all_versions(conn: &impl Handle) -> Result<Vec<Silence>> {
    let mut stmt = conn.raw().prepare_cached(&format!(
        "SELECT {COLUMNS} FROM silences ORDER BY id, version"
    ))?;
    let rows = stmt.query_map([], silence_from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// One silence as its newest version says.
pub fn find(conn: &impl Handle, id: i64) -> Result<Option<Silence>> {
    Ok(conn
        .raw()
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM silences WHERE id = ?1 ORDER BY version DESC LIMIT 1"
        ))?
        .query_row([id], silence_from_row)
        .optional()?)
}

/// One silence as its first version says (who made it, when).
pub fn first(conn: &impl Handle, id: i64) -> Result<Option<Silence>> {
    Ok(conn
        .raw()
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM silences WHERE id = ?1 AND version = 1"
        ))?
        .query_row([id], silence_from_row)
        .optional()?)
}

/// How many versions the file holds: it grows with every write, so it tells a reader whether
/// silences changed.
pub fn versions(conn: &impl Handle) -> Result<i64> {
    Ok(conn
        .raw()
        .prepare_cached("SELECT count(*) FROM silences")?
        .query_row([], |r| r.get(0))?)
}

fn no_silence(id: i64) -> Error {
    Error::invalid("id", format!("there is no silence {id}"))
}

fn refuse_team_file(w: &WriteTxn<'_>) -> Result<()> {
    match team_file(w)? {
        Some(stream) => Err(Error::TeamFile { stream }),
        None => Ok(()),
    }
}

fn insert(w: &WriteTxn<'_>, s: &Silence, origin: Option<&str>) -> Result<()> {
    let matchers = serde_json::to_string(&s.matchers).map_err(Error::storage)?;
    w.tx()
        .prepare_cached(
            "INSERT INTO silences (id, version, matchers, starts_at, ends_at, author, comment, \
             made_at, origin) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            s.id,
            s.version,
            matchers,
            s.starts_at,
            s.ends_at,
            s.author.as_text(),
            s.comment,
            s.made_at,
            origin
        ])?;
    Ok(())
}

/// A write of a silence: by whom, at what time, within what length, and (on a team desk) the
/// team message it comes from.
#[derive(Debug, Clone, Copy)]
pub struct Made<'a> {
    pub author: &'a Actor,
    /// The time the draft is checked at and the version made at (Unix ms).
    pub at: i64,
    pub max_length: i64,
    /// The id of the team message that made it; `None` on a desk working alone.
    pub origin: Option<&'a str>,
}

impl<'a> Made<'a> {
    /// A write at this desk, working alone (a team file refuses it), at the write's time.
    fn here(w: &WriteTxn<'_>, author: &'a Actor, max_length: i64) -> Result<Made<'a>> {
        refuse_team_file(w)?;
        Ok(Made {
            author,
            at: w.now(),
            max_length,
            origin: None,
        })
    }
}

/// Makes a silence from `draft` (checked at the write's time, within `max_length` ms) on a
/// desk working alone.
pub fn add(
    w: &mut WriteTxn<'_>,
    draft: &SilenceDraft,
    author: &Actor,
    max_length: i64,
) -> Result<Silence> {
    let made = Made::here(w, author, max_length)?;
    make(w, draft, made)
}

/// Makes a silence from `draft`, checked at `made.at`.
pub fn make(w: &mut WriteTxn<'_>, draft: &SilenceDraft, made: Made<'_>) -> Result<Silence> {
    let (starts_at, _) = draft.check(made.at, made.max_length)?;
    let id: i64 = w
        .tx()
        .prepare_cached("SELECT coalesce(max(id), 0) + 1 FROM silences")?
        .query_row([], |r| r.get(0))?;
    let silence = Silence {
        id,
        version: 1,
        matchers: draft.matchers.clone(),
        starts_at,
        ends_at: draft.ends_at,
        author: made.author.clone(),
        comment: draft.comment.trim().to_owned(),
        made_at: made.at,
        team_key: made.origin.map(str::to_owned),
    };
    insert(w, &silence, made.origin)?;
    Ok(silence)
}

/// The newest version of silence `id`, which must be `expected` (the version the operator
/// saw) and not expired at `now`.
fn current(w: &WriteTxn<'_>, id: i64, expected: i64, now: i64) -> Result<Silence> {
    let silence = find(w, id)?.ok_or_else(|| no_silence(id))?;
    if silence.version != expected {
        return Err(Error::invalid(
            "version",
            format!(
                "silence {id} changed since it was shown (version {} now, {expected} shown): \
                 look at it again",
                silence.version
            ),
        ));
    }
    if silence.state(now) == SilenceState::Expired {
        return Err(Error::invalid(
            "id",
            format!("silence {id} has expired; make a new one"),
        ));
    }
    Ok(silence)
}

/// Edits silence `id` (a new version) on a desk working alone: its matchers, start, end and
/// comment become the draft's.
pub fn edit(
    w: &mut WriteTxn<'_>,
    id: i64,
    expected: i64,
    draft: &SilenceDraft,
    author: &Actor,
    max_length: i64,
) -> Result<Silence> {
    let made = Made::here(w, author, max_length)?;
    revise(w, id, expected, draft, made)
}

/// Edits silence `id`, which must be at version `expected` and not expired at `made.at`.
pub fn revise(
    w: &mut WriteTxn<'_>,
    id: i64,
    expected: i64,
    draft: &SilenceDraft,
    made: Made<'_>,
) -> Result<Silence> {
    let old = current(w, id, expected, made.at)?;
    let (starts_at, _) = draft.check(made.at, made.max_length)?;
    let silence = Silence {
        id,
        version: old.version + 1,
        matchers: draft.matchers.clone(),
        starts_at,
        ends_at: draft.ends_at,
        author: made.author.clone(),
        comment: draft.comment.trim().to_owned(),
        made_at: made.at,
        team_key: old.team_key,
    };
    insert(w, &silence, made.origin)?;
    Ok(silence)
}

/// Ends silence `id` now (a new version) on a desk working alone; a pending one ends before
/// it starts.
pub fn expire(w: &mut WriteTxn<'_>, id: i64, expected: i64, author: &Actor) -> Result<Silence> {
    let made = Made::here(w, author, 0)?;
    end(w, id, expected, made)
}

/// Ends silence `id` at `made.at` (a new version; never later than it was to end).
pub fn end(w: &mut WriteTxn<'_>, id: i64, expected: i64, made: Made<'_>) -> Result<Silence> {
    let old = current(w, id, expected, made.at)?;
    let ends_at = made.at.min(old.ends_at);
    let silence = Silence {
        version: old.version + 1,
        starts_at: old.starts_at.min(ends_at),
        ends_at,
        author: made.author.clone(),
        made_at: made.at,
        ..old
    };
    insert(w, &silence, made.origin)?;
    Ok(silence)
}

/// The version the team message `origin` made, if this desk applied one.
pub fn by_origin(conn: &impl Handle, origin: &str) -> Result<Option<Silence>> {
    Ok(conn
        .raw()
        .prepare_cached(&format!("SELECT {COLUMNS} FROM silences WHERE origin = ?1"))?
        .query_row([origin], silence_from_row)
        .optional()?)
}

/// The local id of the team silence `key` (the origin of its first version), if this desk has
/// it.
pub fn by_key(conn: &impl Handle, key: &str) -> Result<Option<i64>> {
    Ok(conn
        .raw()
        .prepare_cached("SELECT id FROM silences WHERE origin = ?1 AND version = 1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}
