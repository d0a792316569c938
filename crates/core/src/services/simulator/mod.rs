//! The simulator: a payments platform's operations, as a stream of new events and changes to
//! existing ones. Seeded, so the same seed, configuration and starting database give the same
//! sequence of changes.

mod config;
mod control;
mod team;
mod templates;

pub use config::{parse_switch, SimConfig};
pub use control::{SimControl, SimulatorStatus, SIMULATOR_SETTINGS};
pub use team::TeamSimulator;
pub use templates::random_event;

use crate::clock::Clock;
use crate::db::Conn;
use crate::db::{self, rows, CommitFeed, WriteTxn};
use crate::error::Result;
use crate::model::{Actor, Status};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How many recent unfinished events the simulator chooses among.
const WORKING_SET: usize = 32;
/// After this many changes the simulator copies the write-ahead log back into the file.
const CHECKPOINT_EVERY: u64 = 20_000;
/// The most changes one transaction carries; a simulator further behind skips ahead.
const MAX_BATCH: u64 = 10_000;

/// Makes changes, one [`Simulator::step`] at a time.
pub struct Simulator {
    config: SimConfig,
    rng: StdRng,
    changes: u64,
    /// The newest unfinished events, newest first, as far as this batch knows: read once per
    /// batch (others may have written in between) and kept up to date by the batch's own
    /// changes, instead of two index seeks per change.
    working: Option<Vec<i64>>,
}

impl Simulator {
    pub fn new(config: SimConfig) -> Self {
        Simulator {
            rng: StdRng::seed_from_u64(config.seed),
            config,
            changes: 0,
            working: None,
        }
    }

    pub fn config(&self) -> &SimConfig {
        &self.config
    }

    /// Changes committed so far.
    pub fn changes(&self) -> u64 {
        self.changes
    }

    /// Makes one change inside `w`: overrides a user's completion, creates an event, or moves
    /// an existing one along (acknowledge, escalate, complete).
    fn step(&mut self, w: &mut WriteTxn<'_>) -> Result<()> {
        let actor = &Actor::Simulator;
        if self.config.override_chance > 0.0 && self.rng.random_bool(self.config.override_chance) {
            let done = rows::recent_user_completed::<8>(w)?;
            if !done.is_empty() {
                let event = &done[self.rng.random_range(0..done.len())];
                let to = if self.rng.random_bool(0.7) {
                    Status::Open
                } else {
                    Status::Acknowledged
                };
                // A reopened event may belong among the newest unfinished ones again.
                self.working = None;
                return w.set_status(event, to, actor);
            }
        }
        let create = self.rng.random_bool(self.config.new_share);
        let candidates = if create {
            &[][..]
        } else {
            if self.working.as_ref().is_none_or(Vec::is_empty) {
                self.working = Some(rows::recent_unfinished::<WORKING_SET>(w)?);
            }
            self.working.as_deref().unwrap_or_default()
        };
        if candidates.is_empty() {
            let new = random_event(&mut self.rng);
            let id = w.insert(&new, actor)?;
            if let Some(working) = &mut self.working {
                working.insert(0, id);
                working.truncate(WORKING_SET);
            }
            return Ok(());
        }
        let event = &w.current(candidates[self.rng.random_range(0..candidates.len())])?;
        let roll: f64 = self.rng.random();
        let to = match (event.status, event.severity.escalated()) {
            (Status::Open, _) if roll < 0.45 => Status::Acknowledged,
            (_, Some(worse)) if roll < 0.7 => return w.set_severity(event, worse, actor),
            (Status::Open, None) if roll < 0.7 => Status::Acknowledged,
            _ => Status::Completed,
        };
        w.set_status(event, to, actor)?;
        if to == Status::Completed {
            if let Some(working) = &mut self.working {
                working.retain(|&id| id != event.id);
            }
        }
        Ok(())
    }

    /// Makes `n` changes in one transaction and publishes them.
    pub fn run_batch(
        &mut self,
        conn: &mut Conn,
        feed: &CommitFeed,
        clock: &dyn Clock,
        n: u64,
    ) -> Result<()> {
        self.working = None;
        feed.write(conn, clock, |w| {
            for _ in 0..n {
                self.step(w)?;
            }
            Ok(())
        })?;
        self.changes += n;
        Ok(())
    }

    /// Runs until `control` is stopped, at the rate and with the settings `control` holds now:
    /// paused while not running, re-seeded when the seed changes. Changes that fall due together
    /// are committed in one transaction. A failed batch is logged and the loop goes on.
    pub fn run(
        self,
        conn: Conn,
        feed: CommitFeed,
        clock: Arc<dyn Clock>,
        control: Arc<SimControl>,
    ) {
        tracing::info!(seed = self.config.seed, "simulator thread started");
        let mut local = Local {
            sim: self,
            conn,
            feed,
            clock,
            since_checkpoint: 0,
        };
        pace(&control, &mut local);
        tracing::info!(changes = local.sim.changes, "simulator stopped");
    }
}

/// The simulator writing to this desk's file.
struct Local {
    sim: Simulator,
    conn: Conn,
    feed: CommitFeed,
    clock: Arc<dyn Clock>,
    since_checkpoint: u64,
}

impl Paced for Local {
    fn configure(&mut self, config: SimConfig) {
        if config.seed != self.sim.config.seed {
            self.sim.rng = StdRng::seed_from_u64(config.seed);
        }
        self.sim.config = config;
    }

    fn make(&mut self, n: u64) -> bool {
        match self
            .sim
            .run_batch(&mut self.conn, &self.feed, &*self.clock, n)
        {
            Ok(()) => {
                self.since_checkpoint += n;
                if self.since_checkpoint >= CHECKPOINT_EVERY {
                    self.since_checkpoint = 0;
                    if let Err(e) = db::checkpoint(&self.conn) {
                        tracing::warn!(error = %e, "no checkpoint after a burst of changes");
                    }
                }
                true
            }
            Err(e) => {
                tracing::error!(error = %e, "simulator batch failed; nothing of it was written");
                false
            }
        }
    }
}

/// What [`pace`] drives: a simulator that takes new settings and makes `n` changes at a time.
pub(crate) trait Paced {
    fn configure(&mut self, config: SimConfig);
    /// Makes `n` changes; `false` when they failed (logged; the loop goes on).
    fn make(&mut self, n: u64) -> bool;
}

/// Runs `sim` until `control` is stopped, at the rate `control` holds now: paused while not
/// running, given new settings as they come, the changes that fell due handed over together
/// (at most [`MAX_BATCH`]; one further behind skips ahead).
pub(crate) fn pace(control: &SimControl, sim: &mut impl Paced) {
    let mut generation = u64::MAX;
    let mut start = Instant::now();
    let mut done: u64 = 0;
    let mut config = control.config();
    while !control.is_stopped() {
        let current = control.tick();
        if current != generation {
            generation = current;
            config = control.config();
            sim.configure(config.clone());
            start = Instant::now();
            done = 0;
            control.applied(current);
            tracing::info!(?config, "simulator settings applied");
        }
        if !config.running {
            std::thread::sleep(Duration::from_millis(50));
            continue;
        }
        let rate = config.rate.clamp(SimConfig::MIN_RATE, SimConfig::MAX_RATE);
        // Truncation is intended: changes due so far, as a whole number.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let due = (start.elapsed().as_secs_f64() * rate) as u64;
        if due > done + MAX_BATCH {
            tracing::warn!(skipped = due - done - MAX_BATCH, "simulator fell behind");
            done = due - MAX_BATCH;
        }
        let n = due - done.min(due);
        if n > 0 {
            if sim.make(n) {
                control.made(n);
            }
            done += n;
        }
        let next = Duration::from_secs_f64((done + 1) as f64 / rate);
        let wait = next.saturating_sub(start.elapsed());
        std::thread::sleep(wait.clamp(Duration::from_millis(1), Duration::from_millis(50)));
    }
}
