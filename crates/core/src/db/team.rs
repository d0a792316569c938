//! A team desk's own tables: the file's binding to its stream (with the stream's identity and
//! the team's limits), the roster, the outcome of each action, the messages refused and the
//! origin ids applied. Only the replica writes them, inside the transaction that applies the
//! stream; see `services::team`.

use crate::db::Handle;
use crate::db::{team_file, WriteTxn};
use crate::error::Result;
use crate::model::{Member, MessageLimits, Role, TeamRejection, TimerPolicy};
use rusqlite::{params, OptionalExtension};

/// What a team file knows of its team and its stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub stream: String,
    /// The founding admin named by the join string; `None` for a file bound before actions
    /// were proven (it must be replicated again).
    pub admin: Option<String>,
    /// The first message this desk applied: its offset and digest.
    pub first: Option<(i64, String)>,
    /// The last message this desk applied: its offset and digest.
    pub last: Option<(i64, String)>,
    pub limits: MessageLimits,
    /// The longest the team's silences may last, in days.
    pub max_silence_days: u32,
    /// The team's timers, as its admin set them (none until then).
    pub timers: TimerPolicy,
}

/// The file's binding, if it is a team file.
pub fn binding(conn: &impl Handle) -> Result<Option<Binding>> {
    let conn = conn.raw();
    Ok(conn
        .prepare_cached(
            "SELECT stream, admin, first_offset, first_digest, last_offset, last_digest, \
             max_message, max_alerts, max_silence_days, timers FROM team_binding",
        )?
        .query_row([], |r| {
            let pair = |o: Option<i64>, d: Option<String>| o.zip(d);
            Ok(Binding {
                stream: r.get(0)?,
                admin: r.get(1)?,
                first: pair(r.get(2)?, r.get(3)?),
                last: pair(r.get(4)?, r.get(5)?),
                limits: MessageLimits {
                    max_message: r.get(6)?,
                    max_alerts: r.get(7)?,
                },
                max_silence_days: r.get(8)?,
                // Written by this desk from a checked policy; unreadable text is none.
                timers: r
                    .get::<_, Option<String>>(9)?
                    .and_then(|t| serde_json::from_str(&t).ok())
                    .unwrap_or_default(),
            })
        })
        .optional()?)
}

/// Binds the file to the team stream `stream` founded by `admin` inside `w`, unless it is
/// bound already (the founder is the roster's first admin); returns the binding as it is.
pub fn bind_team_file(w: &WriteTxn<'_>, stream: &str, admin: &str) -> Result<Binding> {
    if team_file(w.tx())?.is_none() {
        w.tx()
            .prepare_cached(
                "INSERT INTO team_binding (one, stream, bound_at, admin) VALUES (1, ?1, ?2, ?3)",
            )?
            .execute(params![stream, w.now(), admin])?;
        set_member(
            w,
            &Member {
                user: admin.to_owned(),
                role: Role::Admin,
                name: None,
            },
            -1,
        )?;
    }
    binding(w.tx())?.ok_or_else(|| crate::Error::storage("the team binding went missing"))
}

/// Records the last message a batch applied (offset, digest), and its first as the file's
/// first when there is none yet.
pub fn record_applied(w: &WriteTxn<'_>, first: (i64, &str), last: (i64, &str)) -> Result<()> {
    w.tx()
        .prepare_cached(
            "UPDATE team_binding SET last_offset = ?3, last_digest = ?4, \
             first_offset = coalesce(first_offset, ?1), first_digest = coalesce(first_digest, ?2)",
        )?
        .execute(params![first.0, first.1, last.0, last.1])?;
    Ok(())
}

pub fn set_limits(w: &WriteTxn<'_>, limits: MessageLimits) -> Result<()> {
    w.tx()
        .prepare_cached("UPDATE team_binding SET max_message = ?1, max_alerts = ?2")?
        .execute(params![limits.max_message, limits.max_alerts])?;
    Ok(())
}

/// Sets the longest the team's silences may last, in days.
pub fn set_max_silence_days(w: &WriteTxn<'_>, days: u32) -> Result<()> {
    w.tx()
        .prepare_cached("UPDATE team_binding SET max_silence_days = ?1")?
        .execute([days])?;
    Ok(())
}

/// Sets the team's timers.
pub fn set_timers(w: &WriteTxn<'_>, timers: &TimerPolicy) -> Result<()> {
    let text = serde_json::to_string(timers).map_err(crate::Error::storage)?;
    w.tx()
        .prepare_cached("UPDATE team_binding SET timers = ?1")?
        .execute([text])?;
    Ok(())
}

/// `user`'s role and display name on the roster now.
pub fn member(conn: &impl Handle, user: &str) -> Result<Option<Member>> {
    let conn = conn.raw();
    Ok(conn
        .prepare_cached("SELECT role, name FROM team_roster WHERE user = ?1")?
        .query_row([user], |r| {
            let role: String = r.get(0)?;
            Ok((role, r.get::<_, Option<String>>(1)?))
        })
        .optional()?
        .and_then(|(role, name)| {
            Some(Member {
                user: user.to_owned(),
                role: Role::parse(&role)?,
                name,
            })
        }))
}

/// Puts `member` on the roster (or changes its role and name) from the message at `offset`.
pub fn set_member(w: &WriteTxn<'_>, member: &Member, offset: i64) -> Result<()> {
    w.tx()
        .prepare_cached(
            "INSERT INTO team_roster (user, role, name, since_offset) VALUES (?1, ?2, ?3, ?4) \
             ON CONFLICT (user) DO UPDATE SET role = excluded.role, name = excluded.name, \
             since_offset = excluded.since_offset",
        )?
        .execute(params![
            member.user,
            member.role.as_str(),
            member.name,
            offset
        ])?;
    Ok(())
}

pub fn remove_member(w: &WriteTxn<'_>, user: &str) -> Result<()> {
    w.tx()
        .prepare_cached("DELETE FROM team_roster WHERE user = ?1")?
        .execute([user])?;
    Ok(())
}

/// The roster, by user name.
pub fn roster(conn: &impl Handle) -> Result<Vec<Member>> {
    let conn = conn.raw();
    let mut stmt = conn.prepare_cached("SELECT user, role, name FROM team_roster ORDER BY user")?;
    let rows = stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, Option<String>>(2)?,
        ))
    })?;
    let mut out = Vec::new();
    for row in rows {
        let (user, role, name) = row?;
        if let Some(role) = Role::parse(&role) {
            out.push(Member { user, role, name });
        }
    }
    Ok(out)
}

/// Keeps the message at `offset` as refused by every desk.
pub fn reject(w: &WriteTxn<'_>, rejection: &TeamRejection) -> Result<()> {
    w.tx()
        .prepare_cached(
            "INSERT INTO team_rejected (stream_offset, user_id, action_id, reason, size, at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            rejection.offset,
            rejection.user,
            rejection.action_id,
            crate::model::bounded_reason(&rejection.reason),
            rejection.size,
            w.now()
        ])?;
    Ok(())
}

/// How many messages were refused, and the latest `limit` of them, newest first.
pub fn rejections(conn: &impl Handle, limit: usize) -> Result<(i64, Vec<TeamRejection>)> {
    let conn = conn.raw();
    let count = conn
        .prepare_cached("SELECT count(*) FROM team_rejected")?
        .query_row([], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(
        "SELECT stream_offset, user_id, action_id, reason, size FROM team_rejected \
         ORDER BY stream_offset DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], rejection_row)?;
    Ok((count, rows.collect::<rusqlite::Result<_>>()?))
}

/// Every refused message in stream order (for `dump --team`).
pub fn all_rejections(conn: &impl Handle) -> Result<Vec<TeamRejection>> {
    let conn = conn.raw();
    let mut stmt = conn.prepare_cached(
        "SELECT stream_offset, user_id, action_id, reason, size FROM team_rejected \
         ORDER BY stream_offset",
    )?;
    let rows = stmt.query_map([], rejection_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn rejection_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TeamRejection> {
    Ok(TeamRejection {
        offset: r.get(0)?,
        user: r.get(1)?,
        action_id: r.get(2)?,
        reason: r.get(3)?,
        size: r.get(4)?,
    })
}

/// Why the action `action_id` was refused, if it was.
pub fn action_refused(conn: &impl Handle, action_id: &str) -> Result<Option<String>> {
    let conn = conn.raw();
    Ok(conn
        .prepare_cached(
            "SELECT reason FROM team_rejected WHERE action_id = ?1 ORDER BY stream_offset LIMIT 1",
        )?
        .query_row([action_id], |r| r.get(0))
        .optional()?)
}

/// How many offsets back an origin id still marks a message as published again.
pub const SEEN_WINDOW: i64 = 10_000;

/// Remembers the message at `offset` by `digest` (of its origin id and content): `true` when
/// one with that digest was applied within the last [`SEEN_WINDOW`] offsets (the row is then
/// left as it is). A new digest costs one insert; only a digest met before is looked at.
pub fn seen_before(w: &WriteTxn<'_>, digest: i64, offset: i64) -> Result<bool> {
    let inserted = w
        .tx()
        .prepare_cached(
            "INSERT INTO team_seen (digest, stream_offset) VALUES (?1, ?2) ON CONFLICT DO NOTHING",
        )?
        .execute(params![digest, offset])?;
    if inserted == 1 {
        return Ok(false);
    }
    let refreshed = w
        .tx()
        .prepare_cached(
            "UPDATE team_seen SET stream_offset = ?2 WHERE digest = ?1 AND stream_offset <= ?2 - ?3",
        )?
        .execute(params![digest, offset, SEEN_WINDOW])?;
    Ok(refreshed == 0)
}

/// Forgets messages that fell out of the window before `offset` (a scan: the table holds about
/// one window).
pub fn forget_seen(w: &WriteTxn<'_>, offset: i64) -> Result<()> {
    w.tx()
        .prepare_cached("DELETE FROM team_seen WHERE stream_offset < ?1")?
        .execute([offset - SEEN_WINDOW])?;
    Ok(())
}

/// The offset at which the action `action_id` was applied, if it was.
pub fn action_applied_at(conn: &impl Handle, action_id: &str) -> Result<Option<i64>> {
    let conn = conn.raw();
    Ok(conn
        .prepare_cached("SELECT stream_offset FROM team_actions WHERE action_id = ?1 LIMIT 1")?
        .query_row([action_id], |r| r.get(0))
        .optional()?)
}

/// The local id of the team event `key`.
pub fn event_by_key(conn: &impl Handle, key: &str) -> Result<Option<i64>> {
    let conn = conn.raw();
    Ok(conn
        .prepare_cached("SELECT id FROM events WHERE team_key = ?1")?
        .query_row([key], |r| r.get(0))
        .optional()?)
}

/// The team keys of the events `ids`, in order: `None` for an event of this desk alone (or
/// one that does not exist).
pub fn team_keys(conn: &impl Handle, ids: &[i64]) -> Result<Vec<Option<String>>> {
    let conn = conn.raw();
    let mut stmt = conn.prepare_cached("SELECT team_key FROM events WHERE id = ?1")?;
    ids.iter()
        .map(|id| {
            Ok(stmt
                .query_row([id], |r| r.get::<_, Option<String>>(0))
                .optional()?
                .flatten())
        })
        .collect()
}

/// One event's part of an action, as `team_actions` keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionRow<'a> {
    pub offset: i64,
    pub part: usize,
    pub action_id: &'a str,
    pub desk: &'a str,
    /// The proven broker user.
    pub operator: &'a str,
    pub action: &'a str,
    pub event: &'a str,
    pub expected_version: i64,
    pub outcome: &'a str,
    pub winner: Option<&'a str>,
    pub detail: Option<&'a str>,
}

pub fn record_action(w: &WriteTxn<'_>, stream: &str, row: &ActionRow<'_>) -> Result<()> {
    w.tx()
        .prepare_cached(
            "INSERT INTO team_actions (stream, stream_offset, part, action_id, desk, \
             operator, action, event_key, expected_version, outcome, winner, detail, at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?
        .execute(params![
            stream,
            row.offset,
            row.part as i64,
            row.action_id,
            row.desk,
            row.operator,
            row.action,
            row.event,
            row.expected_version,
            row.outcome,
            row.winner,
            row.detail,
            w.now(),
        ])?;
    Ok(())
}

/// How one event of an action ended, as `team_actions` keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutcomeRow {
    pub event: String,
    /// `done`, `conflict`, `notFound` or `skipped`.
    pub outcome: String,
    pub winner: Option<String>,
    pub detail: Option<String>,
}

/// The outcome of each event of the action `action_id`, in its order; empty while it has not
/// come back from the stream.
pub fn action_rows(conn: &impl Handle, action_id: &str) -> Result<Vec<OutcomeRow>> {
    let conn = conn.raw();
    let mut stmt = conn.prepare_cached(
        "SELECT event_key, outcome, winner, detail FROM team_actions \
         WHERE action_id = ?1 ORDER BY stream_offset, part",
    )?;
    let rows = stmt.query_map([action_id], |r| {
        Ok(OutcomeRow {
            event: r.get(0)?,
            outcome: r.get(1)?,
            winner: r.get(2)?,
            detail: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
