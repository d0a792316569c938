//! What the read connection keeps in memory between reads, brought up to date inside each
//! read's transaction so that it always agrees with the rows that read returns.
//!
//! - **Columns** ([`columns`]): every event's status, severity, kind, source and times by id,
//!   for views no single index serves. A thread reads them when the store opens; a read that
//!   needs them meanwhile waits for that thread instead of reading them a second time.
//! - **Hit sets** ([`hits`]): the ids matching each recent search. A search's total is its
//!   set's size (or a pass over its ids through the columns), and a search sorted by update
//!   time walks the `updated_at` index keeping the rows SQL's `search_hit(fts, id)` finds in
//!   that search's set (asking FTS5 per row was far slower; benches/NOTES.md).
//! - **Prefix expansions** ([`expansions`]): the index terms a long search prefix stands for.
//! - **Label sets** ([`labels`]): the ids carrying each label recent views filtered on; a
//!   view with labels is one pass over the columns and the sets' intersection.
//!
//! All three rely on rules migrations 006 and 007 make the database hold: events are never
//! deleted; their kind, source and creation time never change, and a new title is logged (the
//! hit sets of retitled events are checked again); new events have larger ids than any before
//! them; the change log is append-only and logs every status, severity and title change.

mod columns;
mod expansions;
mod hits;
mod labels;
pub(crate) mod muting;

use crate::db::rows::{last_seq, max_id, total};
use crate::error::Result;
use crate::model::{
    Compiled, EventFilter, Label, SilenceMark, SilencedView, SnoozedView, Sort, SortKey,
};
use columns::{Columns, Refresh, Sets, Walk};
use expansions::Expansion;
use hits::{Bits, HitSet, Loaded};
use labels::LabelSet;
use lru::LruCache;
use muting::{Muted, Muting};
use parking_lot::{Condvar, Mutex, MutexGuard};
use rusqlite::functions::FunctionFlags;
use rusqlite::Connection;
use std::num::NonZeroUsize;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// How many searches keep their hit sets (the least recently used goes first). A set takes at
/// most one bit per event id.
const HIT_SETS_KEPT: NonZeroUsize = NonZeroUsize::new(8).expect("non-zero");
/// How many prefix expansions are kept.
const EXPANSIONS_KEPT: NonZeroUsize = NonZeroUsize::new(32).expect("non-zero");
/// How many labels keep their sets (a bit per event id each).
const LABEL_SETS_KEPT: NonZeroUsize = NonZeroUsize::new(16).expect("non-zero");
/// Hits read into a set at most per read when only a count is wanted (benches/NOTES.md, "Reading
/// a new common word's hits"); a set with more is completed over the next reads, each taking up where
/// the last stopped, and counts are bounded meanwhile.
const COUNT_BUDGET: i64 = 25_000;

/// The columns' state. One thread builds them: the warm-up thread, or the first read that
/// needs them if it comes first.
enum Slot {
    Empty,
    Building,
    Ready(Box<Columns>),
    /// Some event cannot be held: views are left to SQL.
    CannotHold,
}

struct State {
    columns: Slot,
    hits: LruCache<String, HitSet>,
    expansions: LruCache<String, Expansion>,
    labels: LruCache<Label, LabelSet>,
    muting: Muting,
    /// `PRAGMA data_version`, the log's last seq and this process's quiet commits, as of the
    /// last read: see [`Memory::sync`].
    seen: Option<(i64, i64, u64)>,
}

impl State {
    /// Forgets everything; the next reads build it again from the database.
    fn forget(&mut self) {
        if matches!(self.columns, Slot::Ready(_) | Slot::CannotHold) {
            self.columns = Slot::Empty;
        }
        self.hits.clear();
        self.expansions.clear();
        self.labels.clear();
        self.muting.forget();
    }
}

/// A read connection's memory; see the module's documentation.
pub(crate) struct Memory {
    state: Mutex<State>,
    /// Signalled when the columns leave [`Slot::Building`].
    built: Condvar,
    quiet_commits: Arc<AtomicU64>,
}

/// What [`Memory::page_ids`] found.
#[derive(Default)]
pub(crate) struct IdPage {
    pub total: i64,
    pub ids: Vec<i64>,
    pub silenced: i64,
    pub snoozed: i64,
    /// What muted events at the read, to mark the page's rows with.
    pub muted: Option<Muted>,
}

impl IdPage {
    /// The silence that mutes each of `ids` that is muted (looked up for a page's rows only:
    /// each lookup asks every active silence).
    pub(crate) fn marks(&self, ids: impl Iterator<Item = i64>) -> Vec<SilenceMark> {
        let Some(muted) = &self.muted else {
            return Vec::new();
        };
        ids.filter(|&id| muted.all.contains(id))
            .filter_map(|id| {
                muted.silence_of(id).map(|silence_id| SilenceMark {
                    event_id: id,
                    silence_id,
                })
            })
            .collect()
    }
}

/// What [`Memory::page_ids`] reads: the first `want` ids past `from` (a sort value and id) in
/// `sort` order, or against it when not `forward`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct IdRead {
    pub sort: Sort,
    pub forward: bool,
    pub from: Option<(i64, i64)>,
    pub want: usize,
    /// How many of those to leave out first (a page by number).
    pub skip: usize,
}

impl Memory {
    pub(crate) fn new(quiet_commits: Arc<AtomicU64>) -> Arc<Memory> {
        Arc::new(Memory {
            state: Mutex::new(State {
                columns: Slot::Empty,
                hits: LruCache::new(HIT_SETS_KEPT),
                expansions: LruCache::new(EXPANSIONS_KEPT),
                labels: LruCache::new(LABEL_SETS_KEPT),
                muting: Muting::default(),
                seen: None,
            }),
            built: Condvar::new(),
            quiet_commits,
        })
    }

    /// Called at the start of every read that uses the memory, inside its transaction. The
    /// memory follows the change log; a file changed without a new log entry (and not by a
    /// settings write of this process) was edited by another program, so everything is read
    /// again rather than trusted.
    pub(crate) fn sync(&self, conn: &Connection) -> Result<()> {
        let version = crate::db::data_version(conn)?;
        let seq = last_seq(conn)?;
        let quiet = self.quiet_commits.load(Ordering::Relaxed);
        let mut state = self.state.lock();
        if let Some((v, s, q)) = state.seen {
            if v != version && s == seq && q == quiet {
                tracing::warn!(
                    "the database was changed outside Eventdesk: the reader's memory is read again"
                );
                state.forget();
            } else if seq > s {
                retitled(&mut state, conn, s)?;
            }
        }
        state.seen = Some((version, seq, quiet));
        Ok(())
    }

    /// Forgets everything (a row the memory named is gone: the file was edited by hand).
    pub(crate) fn forget(&self) {
        tracing::warn!("an event the reader's memory held is missing: the memory is read again");
        self.state.lock().forget();
    }

    /// Adds `search_hit(fts, id)` to `conn`: whether `id` is in the hit set of the full-text
    /// query `fts`, which the read loaded before running the statement ([`Memory::hits`]).
    /// The set is taken once per statement (SQLite keeps it with the constant argument).
    pub(crate) fn register_search_hit(self: &Arc<Self>, conn: &Connection) -> Result<()> {
        let memory = Arc::clone(self);
        conn.create_scalar_function(
            "search_hit",
            2,
            FunctionFlags::SQLITE_UTF8 | FunctionFlags::SQLITE_DIRECTONLY,
            move |ctx| {
                let bits = ctx.get_or_create_aux(0, |fts| -> Result<Arc<Bits>> {
                    let fts = fts.as_str().map_err(rusqlite::Error::from)?;
                    memory.hit_bits(fts).ok_or_else(|| {
                        crate::Error::storage(format!("no hit set was loaded for {fts}"))
                    })
                })?;
                let id: i64 = ctx.get(1)?;
                Ok(bits.contains(id))
            },
        )?;
        Ok(())
    }

    /// Reads the columns on `conn` in a thread of its own once `after` opens, so that the
    /// first view that needs them does not wait as long (benches/NOTES.md, "Reading the
    /// columns"). A read that needs them before then reads them itself.
    pub(crate) fn warm_up(self: &Arc<Self>, mut conn: Connection, after: Arc<crate::StartGate>) {
        let memory = Arc::clone(self);
        let spawned = std::thread::Builder::new()
            .name("reader-warm-up".into())
            .spawn(move || {
                after.wait();
                {
                    let mut state = memory.state.lock();
                    if !matches!(state.columns, Slot::Empty) {
                        return;
                    }
                    state.columns = Slot::Building;
                }
                let started = std::time::Instant::now();
                let built = conn
                    .transaction()
                    .map_err(crate::Error::from)
                    .and_then(|tx| Columns::build(&tx));
                if let Ok(Some(columns)) = &built {
                    tracing::info!(
                        events = columns.max_id(),
                        ms = started.elapsed().as_millis(),
                        "event columns read ahead for views"
                    );
                }
                memory.finish_build(built);
            });
        if let Err(e) = spawned {
            tracing::warn!(error = %e, "could not start the reader's warm-up: the first view that needs the columns reads them");
        }
    }

    /// Ends [`Slot::Building`] with what was built, and wakes reads waiting for it. A failed
    /// build leaves the slot empty, for the next read to try again.
    fn finish_build(&self, built: Result<Option<Columns>>) {
        let mut state = self.state.lock();
        state.columns = match built {
            Ok(Some(columns)) => Slot::Ready(Box::new(columns)),
            Ok(None) => Slot::CannotHold,
            Err(e) => {
                tracing::warn!(error = %e, "reading event columns ahead failed");
                Slot::Empty
            }
        };
        self.built.notify_all();
    }

    /// The state, with the columns current for `conn`'s snapshot when they can answer for
    /// it (`true`).
    fn with_columns<'m>(&'m self, conn: &Connection) -> Result<(MutexGuard<'m, State>, bool)> {
        let mut state = self.state.lock();
        self.built
            .wait_while(&mut state, |s| matches!(s.columns, Slot::Building));
        if matches!(state.columns, Slot::Empty) {
            state.columns = match Columns::build(conn)? {
                Some(columns) => Slot::Ready(Box::new(columns)),
                None => Slot::CannotHold,
            };
        }
        let usable = match &mut state.columns {
            Slot::Ready(columns) => match columns.refresh(conn)? {
                Refresh::Current => true,
                Refresh::Newer => false,
                Refresh::CannotHold => {
                    state.columns = Slot::CannotHold;
                    false
                }
            },
            Slot::CannotHold => false,
            Slot::Empty | Slot::Building => false,
        };
        Ok((state, usable))
    }

    /// Makes `fts`'s hit set complete and current for `conn`'s snapshot and returns its size;
    /// `None` when some id cannot be held.
    pub(crate) fn hits(&self, conn: &Connection, fts: &str) -> Result<Option<i64>> {
        let mut state = self.state.lock();
        Ok(match load(&mut state, conn, fts, None)? {
            Loaded::Read { hits, .. } => Some(hits),
            Loaded::Unusable => None,
        })
    }

    /// The hit set of `fts` as last loaded, if it is complete.
    pub(crate) fn hit_bits(&self, fts: &str) -> Option<Arc<Bits>> {
        self.state
            .lock()
            .hits
            .peek(fts)
            .filter(|s| s.is_complete())
            .map(|s| Arc::clone(s.bits()))
    }

    /// The exact number of `fts`'s hits that pass `f`'s status and severity parts (the rest
    /// of `f` is not looked at); `None` while the hit set is still being read (see
    /// [`COUNT_BUDGET`]) or when some id cannot be held.
    pub(crate) fn count(
        &self,
        conn: &Connection,
        fts: &str,
        f: &EventFilter,
    ) -> Result<Option<i64>> {
        {
            let mut state = self.state.lock();
            let hits = match load(&mut state, conn, fts, Some(COUNT_BUDGET))? {
                Loaded::Read {
                    hits,
                    complete: true,
                } => hits,
                Loaded::Read { .. } | Loaded::Unusable => return Ok(None),
            };
            if f.statuses.is_empty() && f.severities.is_empty() && f.min_severity.is_none() {
                return Ok(Some(hits));
            }
        }
        let count = IdRead {
            sort: Sort::default(),
            forward: true,
            from: None,
            want: 0,
            skip: 0,
        };
        // The set was just brought up to date: the pass needs only the columns.
        let (state, usable) = self.with_columns(conn)?;
        Ok(usable
            .then(|| {
                let set = state.hits.peek(fts).filter(|s| s.is_complete())?;
                scan(&state, Some(set.bits()), f, &count)
            })
            .flatten()
            .map(|(total, _)| total))
    }

    /// How many events that are not completed `compiled` match, from the columns and the
    /// label sets; `None` when they cannot answer.
    pub(crate) fn preview(&self, conn: &Connection, compiled: &[Compiled]) -> Result<Option<i64>> {
        let (mut state, usable) = self.with_columns(conn)?;
        if !usable {
            return Ok(None);
        }
        let bits = {
            let State {
                columns, labels, ..
            } = &mut *state;
            let Slot::Ready(columns) = columns else {
                return Ok(None);
            };
            let label_bits =
                |key: &str, value: &str| label_bits(labels, conn, &Label::new(key, value));
            match muting::build(conn, columns, compiled, label_bits)? {
                Some(bits) => bits,
                None => return Ok(None),
            }
        };
        let not_completed = EventFilter {
            statuses: vec![
                crate::model::Status::Open,
                crate::model::Status::Acknowledged,
            ],
            ..EventFilter::default()
        };
        let count = IdRead {
            sort: Sort::default(),
            forward: true,
            from: None,
            want: 0,
            skip: 0,
        };
        Ok(scan(&state, Some(&bits), &not_completed, &count).map(|(n, _)| n))
    }

    /// Which of `ids` the silences active at `now` mute; `None` when the columns cannot
    /// answer.
    pub(crate) fn muted(
        &self,
        conn: &Connection,
        ids: &[i64],
        now: i64,
    ) -> Result<Option<Vec<i64>>> {
        if !self.silences_active(conn, now)? {
            return Ok(Some(Vec::new()));
        }
        let (mut state, usable) = self.with_columns(conn)?;
        if !usable {
            return Ok(None);
        }
        let Some(muted) = muted_at(&mut state, conn, now)? else {
            return Ok(None);
        };
        Ok(Some(match muted {
            None => Vec::new(),
            Some(m) => ids
                .iter()
                .copied()
                .filter(|&id| m.all.contains(id))
                .collect(),
        }))
    }

    /// Whether a silence is active at `now`: then every view is read from the columns, which
    /// know what is muted.
    pub(crate) fn silences_active(&self, conn: &Connection, now: i64) -> Result<bool> {
        self.state.lock().muting.any_active(conn, now)
    }

    /// One pass over the columns (and `fts`'s hit set, the labels' sets, the muted events at
    /// `now`, the events `snoozed` now): the exact number of events in the view, the ids `read`
    /// asks for, and how many events of the view are muted and snoozed. `None` when the columns
    /// or a set cannot answer.
    pub(crate) fn page_ids(
        &self,
        conn: &Connection,
        fts: Option<&str>,
        f: &EventFilter,
        read: &IdRead,
        now: i64,
        snoozed: &[i64],
    ) -> Result<Option<IdPage>> {
        let (mut state, usable) = self.with_columns(conn)?;
        if !usable {
            return Ok(None);
        }
        let mut only: Option<Arc<Bits>> = None;
        if let Some(fts) = fts {
            if matches!(load(&mut state, conn, fts, None)?, Loaded::Unusable) {
                return Ok(None);
            }
            match state.hits.peek(fts).filter(|s| s.is_complete()) {
                Some(set) => only = Some(Arc::clone(set.bits())),
                None => return Ok(None),
            }
        }
        for label in &f.labels {
            let Some(bits) = label_bits(&mut state.labels, conn, label)? else {
                return Ok(None);
            };
            only = Some(match only {
                None => bits,
                Some(before) => Arc::new(before.and(&bits)),
            });
        }
        let Some(muted) = muted_at(&mut state, conn, now)? else {
            return Ok(None);
        };
        let snoozed = if snoozed.is_empty() {
            None
        } else {
            let held = total(conn)?;
            let mut bits = Bits::default();
            for &id in snoozed {
                if !bits.insert(id, held) {
                    return Ok(None);
                }
            }
            Some(Arc::new(bits))
        };
        let muted_all = muted.as_ref().map(|m| Arc::clone(&m.all));
        if muted_all.is_none() && snoozed.is_none() {
            if f.silenced == SilencedView::Only || f.snoozed == SnoozedView::Only {
                return Ok(Some(IdPage::default()));
            }
            return Ok(
                scan(&state, only.as_deref(), f, read).map(|(total, ids)| IdPage {
                    total,
                    ids,
                    ..IdPage::default()
                }),
            );
        }
        // What the view leaves out (the sets it hides) and keeps to (the sets it shows alone).
        let mut hidden: Option<Arc<Bits>> = None;
        let mut alone: Option<Arc<Bits>> = None;
        for (hide, only_these, set) in [
            (
                f.silenced == SilencedView::Hide,
                f.silenced == SilencedView::Only,
                &muted_all,
            ),
            (
                f.snoozed == SnoozedView::Hide,
                f.snoozed == SnoozedView::Only,
                &snoozed,
            ),
        ] {
            let empty = Arc::new(Bits::default());
            let set = set.as_ref().unwrap_or(&empty);
            if hide && set.len() > 0 {
                hidden = Some(match hidden {
                    None => Arc::clone(set),
                    Some(h) => Arc::new(h.or(set)),
                });
            }
            if only_these {
                alone = Some(match alone {
                    None => Arc::clone(set),
                    Some(a) => Arc::new(a.and(set)),
                });
            }
        }
        // The default view (every event but the hidden ones, in time order): read from its
        // end, its total from the count of events held, no pass over the rest.
        let plain = EventFilter {
            silenced: SilencedView::Hide,
            snoozed: SnoozedView::Hide,
            ..EventFilter::default()
        };
        if only.is_none() && *f == plain && read.sort.by == SortKey::Time && read.skip <= WALK_SKIP
        {
            if let (Slot::Ready(columns), Some(hidden)) = (&state.columns, &hidden) {
                let ascending = read.sort.descending != read.forward;
                let held = i64::try_from(columns.held()).unwrap_or(i64::MAX);
                let mut ids = columns.walk_ids(
                    hidden,
                    ascending,
                    read.from.map(|(_, id)| id),
                    read.skip.saturating_add(read.want),
                );
                ids.drain(..read.skip.min(ids.len()));
                return Ok(Some(IdPage {
                    total: held - hidden.len(),
                    ids,
                    silenced: muted_all.as_ref().map_or(0, |m| m.len()),
                    snoozed: snoozed.as_ref().map_or(0, |s| s.len()),
                    muted,
                }));
            }
        }
        // One pass: the view, and how many of its events (whatever it does with them) each
        // set holds.
        let sets = Sets {
            within: only.as_deref(),
            keep: alone.as_deref(),
            exclude: hidden.as_deref(),
            tally: [muted_all.as_deref(), snoozed.as_deref()],
        };
        Ok(
            scan_sets(&state, &sets, f, read).map(|(total, ids, tally)| IdPage {
                total,
                ids,
                silenced: tally[0],
                snoozed: tally[1],
                muted,
            }),
        )
    }

    /// The terms `prefix` stands for, from memory while they are still right, otherwise from
    /// `read` (an `fts5vocab` lookup, which walks each term's whole document list; benches/
    /// NOTES.md, "Prefix expansions").
    pub(crate) fn expand(
        &self,
        conn: &Connection,
        prefix: &str,
        read: impl FnOnce() -> Result<Vec<String>>,
    ) -> Result<Vec<String>> {
        let newest = max_id(conn)?;
        let mut state = self.state.lock();
        if let Some(kept) = state.expansions.get_mut(prefix) {
            if kept.still_right(conn, prefix, newest)? {
                kept.max_id = newest;
                return Ok(kept.terms.clone());
            }
        }
        let terms = read()?;
        state.expansions.put(
            prefix.to_owned(),
            Expansion {
                terms: terms.clone(),
                max_id: newest,
            },
        );
        Ok(terms)
    }
}

/// The most rows a page by number skips walking from the default view's end; deeper, a
/// pass counts its way there by whole words.
const WALK_SKIP: usize = 20_000;

/// The events retitled or noted after a seq (what the search index holds of them changed).
const RETITLED: &str = "SELECT event_id FROM changes WHERE seq > ?1 AND field IN ('title', 'note')";

/// Re-checks the hit sets for the events retitled after `since` (a title is the one thing
/// about an event the search index holds that may change) and forgets the prefix expansions,
/// which new titles may widen.
fn retitled(state: &mut State, conn: &Connection, since: i64) -> Result<()> {
    // Not DISTINCT: SQLite would then walk all of `changes_by_event` for its order (about
    // 200 ms at 1,000,000 events, on every read after a commit) instead of the few rows past
    // `since` by seq. The few ids are deduplicated here.
    let mut ids: Vec<i64> = conn
        .prepare_cached(RETITLED)?
        .query_map([since], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() {
        return Ok(());
    }
    let held = total(conn)?;
    let mut unusable = Vec::new();
    for (fts, set) in state.hits.iter_mut() {
        if !set.recheck(conn, fts, &ids, held)? {
            unusable.push(fts.clone());
        }
    }
    for fts in unusable {
        state.hits.pop(&fts);
    }
    state.expansions.clear();
    Ok(())
}

/// Brings `fts`'s hit set up to `conn`'s snapshot, reading all new hits or at most `budget`,
/// and makes it the most recently used.
fn load(state: &mut State, conn: &Connection, fts: &str, budget: Option<i64>) -> Result<Loaded> {
    if state.hits.get(fts).is_none() {
        state.hits.put(fts.to_owned(), HitSet::new());
    }
    let held = total(conn)?;
    match state.hits.get_mut(fts) {
        Some(set) => set.read_more(conn, fts, budget, held),
        None => Ok(Loaded::Unusable),
    }
}

/// What mutes events at `now` (`Some(None)`: nothing), with the ready columns and the label
/// sets; `None` when the columns are not ready.
fn muted_at(state: &mut State, conn: &Connection, now: i64) -> Result<Option<Option<Muted>>> {
    let State {
        columns,
        labels,
        muting,
        ..
    } = state;
    let Slot::Ready(columns) = columns else {
        return Ok(None);
    };
    let muted = muting.at(conn, columns, now, |key, value| {
        label_bits(labels, conn, &Label::new(key, value))
    })?;
    Ok(Some(muted))
}

/// `label`'s set, brought up to `conn`'s snapshot and made the most recently used; `None`
/// when some id cannot be held.
fn label_bits(
    sets: &mut LruCache<Label, LabelSet>,
    conn: &Connection,
    label: &Label,
) -> Result<Option<Arc<Bits>>> {
    if sets.get(label).is_none() {
        sets.put(label.clone(), LabelSet::new());
    }
    let held = total(conn)?;
    let Some(set) = sets.get_mut(label) else {
        return Ok(None);
    };
    if set.read_more(conn, &label.key, &label.value, held)? {
        Ok(Some(Arc::clone(set.bits())))
    } else {
        sets.pop(label);
        Ok(None)
    }
}

/// [`scan_sets`] within `only` (every event when `None`), without tallies.
fn scan(
    state: &State,
    only: Option<&Bits>,
    f: &EventFilter,
    read: &IdRead,
) -> Option<(i64, Vec<i64>)> {
    let sets = Sets {
        within: only,
        ..Sets::default()
    };
    scan_sets(state, &sets, f, read).map(|(total, ids, _)| (total, ids))
}

/// One pass over the columns with `sets`: the exact number of events in the view, the ids
/// `read` asks for, and the tallies; `None` when the columns are not ready.
fn scan_sets(
    state: &State,
    sets: &Sets<'_>,
    f: &EventFilter,
    read: &IdRead,
) -> Option<(i64, Vec<i64>, [i64; 2])> {
    let Slot::Ready(columns) = &state.columns else {
        return None;
    };
    let Some(p) = columns.predicate(f) else {
        return Some((0, Vec::new(), [0, 0]));
    };
    let pass = columns.pass(&p, sets);
    let ascending = read.sort.descending != read.forward;
    let (by, from, want, skip) = (read.sort.by, read.from, read.want, read.skip);
    let ids = if skip > 0 && by == SortKey::Time && from.is_none() {
        // A page by number in time order: its positions, holding nothing before them.
        let total = usize::try_from(pass.total).unwrap_or(0);
        let (lo, hi) = if ascending {
            (skip, skip.saturating_add(want))
        } else {
            (
                total.saturating_sub(skip.saturating_add(want)),
                total.saturating_sub(skip),
            )
        };
        let mut ids = pass.between(lo, hi);
        if !ascending {
            ids.reverse();
        }
        ids
    } else {
        let walk = Walk {
            by,
            ascending,
            from,
            want: want.saturating_add(skip),
        };
        let mut ids = pass.take(columns, walk);
        ids.drain(..skip.min(ids.len()));
        ids
    };
    Some((pass.total, ids, pass.tally))
}

#[cfg(test)]
mod tests {
    use super::RETITLED;

    /// Every read after a commit asks which events were retitled since the last read: it must
    /// seek the few new changes by seq, never walk the whole change log.
    #[test]
    fn retitled_events_are_found_by_seq() -> crate::Result<()> {
        let conn = crate::db::in_memory()?.into_raw();
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {RETITLED}"))?
            .query_map([0], |r| r.get(3))?
            .collect::<rusqlite::Result<_>>()?;
        assert!(
            plan.iter().all(|step| step.contains("INTEGER PRIMARY KEY")),
            "{plan:?}"
        );
        Ok(())
    }
}
