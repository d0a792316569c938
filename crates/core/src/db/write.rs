//! [`WriteTxn`]: the one way events and their log are written. Every change updates the row
//! (`version + 1`), appends to the change log with the next `seq`, and is remembered, so that
//! after commit the transaction can say what changed ([`ChangeSet`]).

use crate::clock::Clock;
use crate::db::catch_up::published_range;
use crate::db::rows::{load_event, tally, total};
use crate::db::Handle;
use crate::error::{Error, Result};
use crate::model::{
    check_note, labels_text, Actor, ChangeSet, Event, Field, Labels, Link, Severity, Status, Timer,
    MAX_NOTES,
};
use rusqlite::{params, Connection, OptionalExtension, Transaction};

/// What a new event starts with.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct NewEvent {
    pub kind: String,
    pub source: String,
    pub severity: Severity,
    pub title: String,
    /// The source's key for it (see [`crate::Event::dedup_key`]).
    pub dedup_key: Option<String>,
    /// JSON text.
    pub details: Option<String>,
    pub links: Vec<Link>,
    /// Its identity in a team, for an event applied from a team's stream.
    pub team_key: Option<String>,
    /// Checked by the caller ([`crate::model::check_labels`]); kept for good.
    pub labels: Labels,
}

/// The team stream whose replica this file is, if it is one: then only applying that stream
/// may change its events ([`Error::TeamFile`] for anything else).
pub fn team_file(conn: &impl Handle) -> Result<Option<String>> {
    let conn = conn.raw();
    Ok(conn
        .prepare_cached("SELECT stream FROM team_binding")?
        .query_row([], |r| r.get(0))
        .optional()?)
}

/// An IMMEDIATE write transaction that records every change in the log and remembers which
/// events it touched, so that after commit it can say what changed ([`ChangeSet`]).
pub struct WriteTxn<'c> {
    tx: Transaction<'c>,
    now: i64,
    first_seq: Option<i64>,
    last_seq: i64,
    touched: Vec<i64>,
    /// Each touched event as this transaction left it: what the change set reports, and what
    /// a later change in the same transaction starts from, without reading the row back.
    latest: std::collections::HashMap<i64, Event>,
    created: Vec<i64>,
    critical: Vec<i64>,
    /// Net change of `event_counts` per (status, severity) cell, applied at commit.
    counts: std::collections::HashMap<(Status, Severity), i64>,
    /// This transaction applies a team's stream: the one writer a team file takes.
    from_team_stream: bool,
    /// The senders heard (way in, name, heartbeat), each once, recorded at commit.
    heard: std::collections::HashMap<(String, String), bool>,
}

impl<'c> WriteTxn<'c> {
    /// Takes the database's write lock (waiting up to the connection's busy timeout, then
    /// `Busy`), then the time: the clock's, or the last change's if that is later, so that
    /// change times never go backwards in `seq` order, whatever the number of writers.
    pub(crate) fn begin(conn: &'c mut Connection, clock: &dyn Clock) -> Result<Self> {
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let last: Option<i64> = tx
            .prepare_cached("SELECT at FROM changes ORDER BY seq DESC LIMIT 1")?
            .query_row([], |r| r.get(0))
            .optional()?;
        let now = clock.now_ms().max(last.unwrap_or(i64::MIN));
        Ok(WriteTxn {
            tx,
            now,
            first_seq: None,
            last_seq: 0,
            touched: Vec::new(),
            latest: std::collections::HashMap::new(),
            created: Vec::new(),
            critical: Vec::new(),
            counts: std::collections::HashMap::new(),
            from_team_stream: false,
            heard: std::collections::HashMap::new(),
        })
    }

    /// Marks this transaction as the one that applies the team's stream to a team file
    /// (see [`team_file`]); every other writer is refused there.
    pub(crate) fn applying_team_stream(&mut self) {
        self.from_team_stream = true;
    }

    pub(crate) fn tx(&self) -> &Connection {
        &self.tx
    }

    pub fn now(&self) -> i64 {
        self.now
    }

    /// Notes that `name` was heard through `way` (a heartbeat's or not), recorded with the
    /// commit ([`crate::db::senders`]).
    pub fn heard(&mut self, way: &str, name: &str, heartbeat: bool) {
        *self
            .heard
            .entry((way.to_owned(), name.to_owned()))
            .or_default() |= heartbeat;
    }

    fn log(
        &mut self,
        event_id: i64,
        actor: &Actor,
        field: Field,
        from: Option<&str>,
        to: &str,
    ) -> Result<()> {
        if self.first_seq.is_none() && !self.from_team_stream {
            if let Some(stream) = team_file(&self.tx)? {
                return Err(Error::TeamFile { stream });
            }
        }
        let mut stmt = self.tx.prepare_cached(
            "INSERT INTO changes (event_id, at, actor, field, from_value, to_value) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        )?;
        stmt.execute(params![
            event_id,
            self.now,
            actor.as_text(),
            field.as_str(),
            from,
            to
        ])?;
        let seq = self.tx.last_insert_rowid();
        self.first_seq.get_or_insert(seq);
        self.last_seq = seq;
        Ok(())
    }

    /// Moves one event between count cells (`from` is `None` for a new event).
    fn count(&mut self, from: Option<(Status, Severity)>, to: (Status, Severity)) {
        if let Some(from) = from {
            *self.counts.entry(from).or_default() -= 1;
        }
        *self.counts.entry(to).or_default() += 1;
    }

    /// Records `event` as this transaction's latest state of it.
    fn remember(&mut self, event: Event) {
        let id = event.id;
        if self.latest.insert(id, event).is_none() {
            self.touched.push(id);
        }
    }

    /// The event as it is now in this transaction: from memory if this transaction changed
    /// it, otherwise read.
    pub fn current(&self, id: i64) -> Result<Event> {
        match self.latest.get(&id) {
            Some(e) => Ok(e.clone()),
            None => load_event(&self.tx, id),
        }
    }

    /// Creates an open event and logs its creation.
    pub fn insert(&mut self, new: &NewEvent, actor: &Actor) -> Result<i64> {
        let links = if new.links.is_empty() {
            None
        } else {
            Some(serde_json::to_string(&new.links).map_err(Error::storage)?)
        };
        let id = {
            let mut stmt = self.tx.prepare_cached(
                "INSERT INTO events (kind, source, severity, title, status, created_at, updated_at, \
                 updated_by, dedup_key, details, links, team_key, dedup_owner, labels) \
                 VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?5, ?6, ?7, ?8, ?9, ?10, \
                 CASE WHEN ?7 IS NULL THEN NULL ELSE ?6 END, ?11)",
            )?;
            stmt.execute(params![
                new.kind,
                new.source,
                new.severity.rank(),
                new.title,
                self.now,
                actor.as_text(),
                new.dedup_key,
                new.details,
                links,
                new.team_key,
                labels_text(&new.labels)
            ])?;
            self.tx.last_insert_rowid()
        };
        if !new.labels.is_empty() {
            let mut stmt = self.tx.prepare_cached(
                "INSERT INTO event_labels (key, value, event_id) VALUES (?1, ?2, ?3)",
            )?;
            for (key, value) in &new.labels {
                stmt.execute(params![key, value, id])?;
            }
        }
        self.log(id, actor, Field::Created, None, Status::Open.as_str())?;
        self.remember(Event {
            id,
            kind: new.kind.clone(),
            source: new.source.clone(),
            severity: new.severity,
            title: new.title.clone(),
            status: Status::Open,
            created_at: self.now,
            updated_at: self.now,
            updated_by: actor.clone(),
            completed_at: None,
            completed_by: None,
            reopened_at: None,
            reopened_by: None,
            version: 1,
            dedup_key: new.dedup_key.clone(),
            occurrences: 1,
            last_seen_at: self.now,
            team_key: new.team_key.clone(),
            snoozed_until: None,
            assignee: None,
        });
        self.created.push(id);
        self.count(None, (Status::Open, new.severity));
        // Critical events are announced, and so is every event about a quiet sender.
        let alarm = new
            .dedup_key
            .as_deref()
            .is_some_and(|k| k.starts_with(crate::model::ALARM_KEY_PREFIX));
        if new.severity == Severity::Critical || alarm {
            self.critical.push(id);
        }
        Ok(id)
    }

    /// Loads an event and checks the caller saw its current version.
    pub fn load_expecting(&self, id: i64, expected_version: i64) -> Result<Event> {
        let current = load_event(&self.tx, id)?;
        if current.version != expected_version {
            return Err(Error::Conflict {
                expected: expected_version,
                current: Box::new(current),
            });
        }
        Ok(current)
    }

    /// Moves `event` to `to`, keeping completion and reopening fields consistent.
    pub fn set_status(&mut self, event: &Event, to: Status, actor: &Actor) -> Result<()> {
        if event.status == to {
            return Ok(());
        }
        let now = self.now;
        let completed = (to == Status::Completed).then(|| (now, actor.clone()));
        let reopened = match (event.status, to) {
            (Status::Completed, _) => Some((now, actor.clone())),
            (_, Status::Completed) => None,
            _ => event.reopened_at.zip(event.reopened_by.clone()),
        };
        let text = |a: &Option<(i64, Actor)>| a.as_ref().map(|(_, by)| by.as_text());
        // Completing an event ends its snooze.
        let snoozed_until = event.snoozed_until.filter(|_| to != Status::Completed);
        let n = self.tx.prepare_cached(
            "UPDATE events SET status = ?2, completed_at = ?3, completed_by = ?4, reopened_at = ?5, \
             reopened_by = ?6, updated_at = ?7, updated_by = ?8, version = version + 1, \
             snoozed_until = ?10, acked_at = CASE WHEN ?2 = 'acknowledged' THEN ?7 END \
             WHERE id = ?1 AND version = ?9",
        )?
        .execute(params![
            event.id,
            to.as_str(),
            completed.as_ref().map(|(at, _)| at),
            text(&completed),
            reopened.as_ref().map(|(at, _)| at),
            text(&reopened),
            now,
            actor.as_text(),
            event.version,
            snoozed_until
        ])?;
        self.expect_one(n, event)?;
        self.log(
            event.id,
            actor,
            Field::Status,
            Some(event.status.as_str()),
            to.as_str(),
        )?;
        self.count(Some((event.status, event.severity)), (to, event.severity));
        // A critical event whose acknowledgement timed out is announced again, unless it is
        // snoozed (it stays out of the views until then, and says nothing either).
        if *actor == Actor::Timer(Timer::AckTimeout)
            && event.severity == Severity::Critical
            && !event.snoozed_at(self.now)
        {
            self.critical.push(event.id);
        }
        let (completed_at, completed_by) = completed.unzip();
        let (reopened_at, reopened_by) = reopened.unzip();
        self.remember(Event {
            status: to,
            completed_at,
            completed_by,
            reopened_at,
            reopened_by,
            updated_at: now,
            updated_by: actor.clone(),
            version: event.version + 1,
            snoozed_until,
            ..event.clone()
        });
        Ok(())
    }

    /// Snoozes `event` until `until` (Unix ms), or wakes it (`None`).
    pub fn set_snooze(&mut self, event: &Event, until: Option<i64>, actor: &Actor) -> Result<()> {
        if event.snoozed_until == until {
            return Ok(());
        }
        let n = self
            .tx
            .prepare_cached(
                "UPDATE events SET snoozed_until = ?2, updated_at = ?3, updated_by = ?4, \
                 version = version + 1 WHERE id = ?1 AND version = ?5",
            )?
            .execute(params![
                event.id,
                until,
                self.now,
                actor.as_text(),
                event.version
            ])?;
        self.expect_one(n, event)?;
        let text = |t: Option<i64>| t.map(|t| t.to_string()).unwrap_or_default();
        self.log(
            event.id,
            actor,
            Field::Snoozed,
            event.snoozed_until.map(|t| t.to_string()).as_deref(),
            &text(until),
        )?;
        self.remember(Event {
            snoozed_until: until,
            updated_at: self.now,
            updated_by: actor.clone(),
            version: event.version + 1,
            ..event.clone()
        });
        Ok(())
    }

    pub fn set_severity(&mut self, event: &Event, to: Severity, actor: &Actor) -> Result<()> {
        if event.severity == to {
            return Ok(());
        }
        // A snoozed event whose severity rises is woken (in the same version). Whether its
        // snooze had lapsed is not asked: a replica's clock must not decide what it writes.
        let woken = event.snoozed_until.is_some() && to > event.severity;
        let snoozed_until = event.snoozed_until.filter(|_| !woken);
        let n = self.tx.prepare_cached(
            "UPDATE events SET severity = ?2, updated_at = ?3, updated_by = ?4, version = version + 1, \
             snoozed_until = ?6 WHERE id = ?1 AND version = ?5",
        )?
        .execute(params![event.id, to.rank(), self.now, actor.as_text(), event.version, snoozed_until])?;
        self.expect_one(n, event)?;
        // An event becomes critical once (severity only rises).
        if to == Severity::Critical {
            self.critical.push(event.id);
        }
        self.log(
            event.id,
            actor,
            Field::Severity,
            Some(event.severity.as_str()),
            to.as_str(),
        )?;
        if let Some(until) = event.snoozed_until.filter(|_| woken) {
            self.log(
                event.id,
                actor,
                Field::Snoozed,
                Some(&until.to_string()),
                "",
            )?;
        }
        self.count(Some((event.status, event.severity)), (event.status, to));
        self.remember(Event {
            severity: to,
            snoozed_until,
            updated_at: self.now,
            updated_by: actor.clone(),
            version: event.version + 1,
            ..event.clone()
        });
        Ok(())
    }

    /// Gives `event` a new title (a source raised it again with another summary). A trigger of
    /// migration 7 re-indexes it for search; the reader's memory sees the change in the log.
    pub fn set_title(&mut self, event: &Event, title: &str, actor: &Actor) -> Result<()> {
        if event.title == title {
            return Ok(());
        }
        let n = self.tx.prepare_cached(
            "UPDATE events SET title = ?2, updated_at = ?3, updated_by = ?4, version = version + 1 \
             WHERE id = ?1 AND version = ?5",
        )?
        .execute(params![event.id, title, self.now, actor.as_text(), event.version])?;
        self.expect_one(n, event)?;
        self.log(event.id, actor, Field::Title, Some(&event.title), title)?;
        self.remember(Event {
            title: title.to_owned(),
            updated_at: self.now,
            updated_by: actor.clone(),
            version: event.version + 1,
            ..event.clone()
        });
        Ok(())
    }

    /// Assigns `event` to `to` (an operator), or to nobody (`None`), as `actor`: a new version
    /// and an `assignee` log entry (from and to: the actor's text, or empty).
    pub fn set_assignee(&mut self, event: &Event, to: Option<&Actor>, actor: &Actor) -> Result<()> {
        if event.assignee.as_ref() == to {
            return Ok(());
        }
        let text = |a: Option<&Actor>| a.map(|a| a.as_text().into_owned());
        let n = self
            .tx
            .prepare_cached(
                "UPDATE events SET assignee = ?2, updated_at = ?3, updated_by = ?4, \
                 version = version + 1 WHERE id = ?1 AND version = ?5",
            )?
            .execute(params![
                event.id,
                text(to),
                self.now,
                actor.as_text(),
                event.version
            ])?;
        self.expect_one(n, event)?;
        self.log(
            event.id,
            actor,
            Field::Assignee,
            Some(&text(event.assignee.as_ref()).unwrap_or_default()),
            &text(to).unwrap_or_default(),
        )?;
        self.remember(Event {
            assignee: to.cloned(),
            updated_at: self.now,
            updated_by: actor.clone(),
            version: event.version + 1,
            ..event.clone()
        });
        Ok(())
    }

    /// Leaves a note (checked with [`check_note`]) on `event`: a log entry, and the text kept
    /// with the event for search (which a trigger of migration 19 indexes again). Neither the
    /// state nor the version changes, so a note never conflicts with an action; at most
    /// [`MAX_NOTES`] per event.
    pub fn add_note(&mut self, event: &Event, text: &str, actor: &Actor) -> Result<()> {
        let text = check_note(text)?;
        let held: i64 = self
            .tx
            .prepare_cached("SELECT count(*) FROM changes WHERE event_id = ?1 AND field = 'note'")?
            .query_row([event.id], |r| r.get(0))?;
        if held >= MAX_NOTES {
            return Err(Error::invalid(
                "note",
                format!("event {} holds {MAX_NOTES} notes already", event.id),
            ));
        }
        self.tx
            .prepare_cached(
                "UPDATE events SET notes = CASE WHEN notes IS NULL THEN ?2 \
                 ELSE notes || char(10) || ?2 END WHERE id = ?1",
            )?
            .execute(params![event.id, text])?;
        self.log(event.id, actor, Field::Note, None, &text)?;
        self.remember(event.clone());
        Ok(())
    }

    /// Records that a source raised `event` again: one more occurrence, seen now, and what
    /// the source sent this time (`details`, `links`: replaced when given).
    pub fn occurred(
        &mut self,
        event: &Event,
        details: Option<&str>,
        links: &[Link],
        actor: &Actor,
    ) -> Result<()> {
        let links = if links.is_empty() {
            None
        } else {
            Some(serde_json::to_string(links).map_err(Error::storage)?)
        };
        let n = self
            .tx
            .prepare_cached(
                "UPDATE events SET occurrences = occurrences + 1, last_seen_at = ?2, \
             details = coalesce(?3, details), links = coalesce(?4, links), \
             updated_at = ?2, updated_by = ?5, version = version + 1 \
             WHERE id = ?1 AND version = ?6",
            )?
            .execute(params![
                event.id,
                self.now,
                details,
                links,
                actor.as_text(),
                event.version
            ])?;
        self.expect_one(n, event)?;
        let occurrences = event.occurrences + 1;
        self.log(
            event.id,
            actor,
            Field::Occurred,
            Some(&event.occurrences.to_string()),
            &occurrences.to_string(),
        )?;
        self.remember(Event {
            occurrences,
            last_seen_at: self.now,
            updated_at: self.now,
            updated_by: actor.clone(),
            version: event.version + 1,
            ..event.clone()
        });
        Ok(())
    }

    /// Saves a setting (JSON text under `key`). Settings are not events: nothing is logged or
    /// pushed for them.
    pub fn put_setting(&mut self, key: &str, value: &str) -> Result<()> {
        self.tx
            .prepare_cached(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )?
            .execute([key, value])?;
        Ok(())
    }

    fn expect_one(&self, updated: usize, event: &Event) -> Result<()> {
        if updated == 1 {
            return Ok(());
        }
        let current = load_event(&self.tx, event.id)?;
        Err(Error::Conflict {
            expected: event.version,
            current: Box::new(current),
        })
    }

    /// Commits, returning what changed, or `None` when no event changed. The events this
    /// transaction created are added to the search index here, in one statement. When
    /// `published` (the last seq already published) is given and other processes committed
    /// changes after it, they are read in this transaction and lead the set, so that sets
    /// follow on from each other.
    pub fn commit(self, published: Option<i64>) -> Result<Option<ChangeSet>> {
        if !self.heard.is_empty() {
            let heard: Vec<(String, String, bool)> = self
                .heard
                .iter()
                .map(|((way, name), beat)| (way.clone(), name.clone(), *beat))
                .collect();
            crate::db::senders::record(&self.tx, &heard, self.now)?;
        }
        {
            let mut stmt = self.tx.prepare_cached(
                "INSERT INTO event_counts (status, severity, n) VALUES (?1, ?2, ?3) \
                 ON CONFLICT (status, severity) DO UPDATE SET n = n + excluded.n",
            )?;
            for (&(status, severity), &n) in &self.counts {
                if n != 0 {
                    stmt.execute(params![status.as_str(), severity.rank(), n])?;
                }
            }
        }
        if let (Some(first), Some(last)) = (self.created.iter().min(), self.created.iter().max()) {
            // Ids created under one IMMEDIATE transaction are consecutive: no one else inserts.
            self.tx
                .prepare_cached(
                    "INSERT INTO events_fts (rowid, title, kind, source, notes) \
                     SELECT id, title, kind, source, notes FROM events WHERE id BETWEEN ?1 AND ?2",
                )?
                .execute(params![first, last])?;
        }
        let set = match self.first_seq {
            None => None,
            Some(from_seq) => {
                let mut latest = self.latest;
                let rows = self
                    .touched
                    .iter()
                    .filter_map(|id| latest.remove(id))
                    .collect();
                let mut created = self.created;
                created.reverse();
                let mut critical = self.critical;
                critical.reverse();
                let ours = ChangeSet {
                    from_seq,
                    to_seq: self.last_seq,
                    rows,
                    created,
                    critical,
                    total: total(&self.tx)?,
                    tally: tally(&self.tx)?,
                    reload: false,
                };
                match published {
                    Some(done) if done + 1 < from_seq => {
                        let mut set = published_range(&self.tx, done, from_seq - 1)?;
                        set.absorb(ours);
                        Some(set)
                    }
                    _ => Some(ours),
                }
            }
        };
        self.tx.commit()?;
        Ok(set)
    }
}
