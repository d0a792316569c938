//! Muting: which events the silences active at a moment mute, kept between reads.
//!
//! Each silence that is not expired keeps the set of events its matchers match, built once
//! from the columns (source, kind, severity), the label index and, only for a matcher on the
//! title, the titles; then kept current from the change log: new events, and events whose
//! severity or title changed, are tested row by row. The muted set at a moment is the union of
//! the sets of the silences active then (derived from their start and end, so no writer is
//! needed when a silence starts or ends).

use super::columns::Columns;
use super::hits::Bits;
use crate::db::rows::last_seq;
use crate::db::silences;
use crate::error::Result;
use crate::model::{
    labels_from_text, Compiled, Labels, MatchOp, Severity, Silence, SilenceState, Subject, Subjects,
};
use rusqlite::Connection;
use std::sync::Arc;

/// A silence not expired when last looked at, and what its matchers match.
struct Entry {
    silence: Silence,
    compiled: Vec<Compiled>,
    /// Built when the silence is first active (a pending one waits).
    matches: Option<Arc<Bits>>,
}

/// What mutes events at a moment: the union, and each active silence's own set (for the
/// "silenced by" mark), lowest id first.
pub(crate) struct Muted {
    pub(crate) all: Arc<Bits>,
    pub(crate) by: Vec<(i64, Arc<Bits>)>,
}

impl Muted {
    /// The silence that mutes `id` (the lowest-numbered one), if any.
    pub(crate) fn silence_of(&self, id: i64) -> Option<i64> {
        self.by
            .iter()
            .find(|(_, bits)| bits.contains(id))
            .map(|(silence, _)| *silence)
    }
}

#[derive(Default)]
pub(super) struct Muting {
    /// The silences' row count when they were last read (-1: never).
    versions: Option<i64>,
    entries: Vec<Entry>,
    /// The latest moment expired silences were left out at: the entries hold every silence
    /// for moments from then on, and are read again for an earlier one.
    pruned_at: i64,
    /// Events and changes the built sets reflect.
    last_id: i64,
    seq: i64,
    /// The last union and its complement.
    cached: Option<Union>,
}

/// A union of the active silences' sets, for the silences (id, version) and the events (up to
/// an id) it was made of.
struct Union {
    active: Vec<(i64, i64)>,
    last_id: i64,
    muted: Arc<Bits>,
}

/// The columns the row-by-row test reads.
const SUBJECTS: &str = "id, source, kind, severity, title, labels";

impl Muting {
    /// Forgets every set (the file changed behind Eventdesk's back).
    pub(super) fn forget(&mut self) {
        *self = Muting::default();
    }

    /// Whether a silence is active at `now` (reading the silences again if they changed).
    pub(super) fn any_active(&mut self, conn: &Connection, now: i64) -> Result<bool> {
        let versions = silences::versions(conn)?;
        if self.versions != Some(versions) || now < self.pruned_at {
            self.reload(conn, now)?;
            self.versions = Some(versions);
        }
        Ok(self
            .entries
            .iter()
            .any(|e| e.silence.state(now) == SilenceState::Active))
    }

    /// What mutes events at `now`, for `conn`'s snapshot, with the columns current for it;
    /// `None` when no silence is active. `label_bits` reads one label's set.
    pub(super) fn at(
        &mut self,
        conn: &Connection,
        columns: &Columns,
        now: i64,
        mut label_bits: impl FnMut(&str, &str) -> Result<Option<Arc<Bits>>>,
    ) -> Result<Option<Muted>> {
        // Expired silences leave; their sets with them.
        let active = self.any_active(conn, now)?;
        self.entries
            .retain(|e| e.silence.state(now) != SilenceState::Expired);
        self.pruned_at = self.pruned_at.max(now);
        if !active {
            return Ok(None);
        }
        self.follow(conn, columns)?;
        for e in &mut self.entries {
            if e.matches.is_none() && e.silence.state(now) == SilenceState::Active {
                let built = build(conn, columns, &e.compiled, &mut label_bits)?;
                let Some(built) = built else {
                    return Ok(None);
                };
                e.matches = Some(Arc::new(built));
            }
        }
        let mut by: Vec<(i64, Arc<Bits>)> = self
            .entries
            .iter()
            .filter(|e| e.silence.state(now) == SilenceState::Active)
            .filter_map(|e| Some((e.silence.id, Arc::clone(e.matches.as_ref()?))))
            .collect();
        by.sort_by_key(|(id, _)| *id);
        let key: Vec<(i64, i64)> = self
            .entries
            .iter()
            .filter(|e| e.silence.state(now) == SilenceState::Active)
            .map(|e| (e.silence.id, e.silence.version))
            .collect();
        let all = match &self.cached {
            Some(u) if u.active == key && u.last_id == self.last_id => Arc::clone(&u.muted),
            _ => {
                let union = Arc::new(
                    by.iter()
                        .fold(Bits::default(), |acc, (_, bits)| acc.or(bits)),
                );
                self.cached = Some(Union {
                    active: key,
                    last_id: self.last_id,
                    muted: Arc::clone(&union),
                });
                union
            }
        };
        Ok(Some(Muted { all, by }))
    }

    /// Reads the silences again, keeping the sets of those whose version did not change.
    fn reload(&mut self, conn: &Connection, now: i64) -> Result<()> {
        let mut old: Vec<Entry> = std::mem::take(&mut self.entries);
        self.pruned_at = now;
        for silence in silences::list(conn)? {
            if silence.state(now) == SilenceState::Expired {
                continue;
            }
            let kept = old
                .iter()
                .position(|e| e.silence.id == silence.id && e.silence.version == silence.version);
            let entry = match kept {
                Some(i) => old.swap_remove(i),
                None => Entry {
                    // Checked when made; a hand-edited matcher that no longer compiles mutes
                    // nothing rather than failing every read.
                    compiled: match silence
                        .matchers
                        .iter()
                        .map(crate::model::Matcher::compile)
                        .collect::<Result<Vec<_>>>()
                    {
                        Ok(c) => c,
                        Err(e) => {
                            tracing::warn!(silence = silence.id, error = %e, "a silence's matchers do not compile; it mutes nothing");
                            continue;
                        }
                    },
                    silence,
                    matches: None,
                },
            };
            self.entries.push(entry);
        }
        self.cached = None;
        Ok(())
    }

    /// Brings the built sets up to `conn`'s snapshot: events created since, and events whose
    /// severity or title changed since, tested row by row.
    fn follow(&mut self, conn: &Connection, columns: &Columns) -> Result<()> {
        let (seq, max_id) = (last_seq(conn)?, columns.max_id());
        if seq == self.seq && max_id == self.last_id {
            return Ok(());
        }
        let built: Vec<&mut Entry> = self
            .entries
            .iter_mut()
            .filter(|e| e.matches.is_some())
            .collect();
        if !built.is_empty() {
            let mut changed: Vec<i64> = conn
                .prepare_cached(
                    "SELECT event_id FROM changes WHERE seq > ?1 AND event_id <= ?2 \
                     AND field IN ('severity', 'title')",
                )?
                .query_map([self.seq, self.last_id], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            changed.sort_unstable();
            changed.dedup();
            let mut rows = Vec::new();
            {
                let mut one =
                    conn.prepare_cached(&format!("SELECT {SUBJECTS} FROM events WHERE id = ?1"))?;
                for id in changed {
                    if let Some(row) = one.query_map([id], read_subjects)?.next() {
                        rows.push(row?);
                    }
                }
                let mut new = conn.prepare_cached(&format!(
                    "SELECT {SUBJECTS} FROM events WHERE id > ?1 AND id <= ?2"
                ))?;
                for row in new.query_map([self.last_id, max_id], read_subjects)? {
                    rows.push(row?);
                }
            }
            for e in built {
                let Some(bits) = e.matches.as_mut() else {
                    continue;
                };
                let bits = Arc::make_mut(bits);
                for row in &rows {
                    let subjects = row.subjects();
                    if e.compiled.iter().all(|m| m.matches(&subjects)) {
                        if let Ok(i) = usize::try_from(row.id) {
                            bits.set(i);
                        }
                    } else {
                        bits.remove_id(row.id);
                    }
                }
            }
            self.cached = None;
        }
        self.seq = seq;
        self.last_id = max_id;
        Ok(())
    }
}

/// One event's subjects, owned.
pub(crate) struct SubjectRow {
    pub(crate) id: i64,
    source: String,
    kind: String,
    severity: Severity,
    title: String,
    labels: Labels,
}

impl SubjectRow {
    pub(crate) fn subjects(&self) -> Subjects<'_> {
        Subjects {
            source: &self.source,
            kind: &self.kind,
            severity: self.severity,
            title: &self.title,
            labels: &self.labels,
        }
    }
}

pub(crate) fn read_subjects(r: &rusqlite::Row<'_>) -> rusqlite::Result<SubjectRow> {
    let labels: Option<String> = r.get(5)?;
    Ok(SubjectRow {
        id: r.get(0)?,
        source: r.get(1)?,
        kind: r.get(2)?,
        severity: Severity::from_rank(r.get(3)?).unwrap_or_default(),
        title: r.get(4)?,
        labels: labels_from_text(labels.as_deref())
            .into_iter()
            .map(|l| (l.key, l.value))
            .collect(),
    })
}

/// The events `compiled` (all of them) match, from the columns, the label index and, for a
/// matcher on the title, the titles. `None` when a label's set cannot be held.
pub(super) fn build(
    conn: &Connection,
    columns: &Columns,
    compiled: &[Compiled],
    mut label_bits: impl FnMut(&str, &str) -> Result<Option<Arc<Bits>>>,
) -> Result<Option<Bits>> {
    // The most selective first: a label with a value is one range of the label index.
    let mut within: Option<Bits> = None;
    let narrow = |within: Option<Bits>, bits: &Bits| match within {
        None => bits.clone(),
        Some(w) => w.and(bits),
    };
    for m in compiled {
        if let (Subject::Label(key), MatchOp::Equal) = (&m.subject, m.op) {
            if !m.test("") {
                let value = match_value(m);
                let Some(bits) = label_bits(key, &value)? else {
                    return Ok(None);
                };
                within = Some(narrow(within, &bits));
            }
        }
    }
    for m in compiled {
        if let Some(bits) = columns.field_matches(m, within.as_ref()) {
            within = Some(bits);
        }
    }
    for m in compiled {
        match (&m.subject, m.op) {
            (Subject::Label(_), MatchOp::Equal) if !m.test("") => {}
            (Subject::Label(key), _) => {
                let bits = label_matches(conn, columns, key, m)?;
                within = Some(narrow(within, &bits));
            }
            _ => {}
        }
    }
    for m in compiled.iter().filter(|m| m.subject == Subject::Title) {
        let bits = title_matches(conn, within.as_ref(), m)?;
        within = Some(bits);
    }
    Ok(Some(within.unwrap_or_else(|| columns.all())))
}

/// The value an `=` matcher compares with.
fn match_value(m: &Compiled) -> String {
    // `test` is the only way in: the value is the one string that passes an equality.
    m.value().to_owned()
}

/// The events whose label `key` passes `m` (an absent label is "": when "" passes, every
/// event without the label does too).
fn label_matches(conn: &Connection, columns: &Columns, key: &str, m: &Compiled) -> Result<Bits> {
    let mut pass = Bits::default();
    let mut has = Bits::default();
    let mut seen: std::collections::HashMap<String, bool> = std::collections::HashMap::new();
    let mut stmt =
        conn.prepare_cached("SELECT value, event_id FROM event_labels WHERE key = ?1")?;
    let mut rows = stmt.query([key])?;
    while let Some(row) = rows.next()? {
        let value: String = row.get(0)?;
        let id: i64 = row.get(1)?;
        let Ok(i) = usize::try_from(id) else { continue };
        has.set(i);
        let ok = match seen.get(&value) {
            Some(&ok) => ok,
            None => {
                let ok = m.test(&value);
                seen.insert(value, ok);
                ok
            }
        };
        if ok {
            pass.set(i);
        }
    }
    if m.test("") {
        pass = pass.or(&columns.all().and_not(&has));
    }
    Ok(pass)
}

/// The events (among `within`, or all) whose title passes `m`.
fn title_matches(conn: &Connection, within: Option<&Bits>, m: &Compiled) -> Result<Bits> {
    let mut out = Bits::default();
    match within {
        Some(w) if w.len() < 50_000 => {
            let mut stmt = conn.prepare_cached("SELECT title FROM events WHERE id = ?1")?;
            for i in w.ids() {
                let Ok(id) = i64::try_from(i) else { continue };
                let title: Option<String> = stmt.query_row([id], |r| r.get(0)).ok();
                if title.is_some_and(|t| m.test(&t)) {
                    out.set(i);
                }
            }
        }
        _ => {
            let mut stmt = conn.prepare_cached("SELECT id, title FROM events")?;
            let mut rows = stmt.query([])?;
            while let Some(row) = rows.next()? {
                let id: i64 = row.get(0)?;
                let Ok(i) = usize::try_from(id) else { continue };
                if within.is_none_or(|w| w.contains(id)) && m.test(super::columns::text(row, 1)?) {
                    out.set(i);
                }
            }
        }
    }
    Ok(out)
}
