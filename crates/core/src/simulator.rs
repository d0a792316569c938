//! The simulator: a payments platform's operations, as a stream of new events and changes to
//! existing ones. Seeded, so the same seed, configuration and starting database give the same
//! sequence of changes.

use crate::clock::Clock;
use crate::error::{Error, Result};
use crate::events::{self, NewEvent, WriteTxn};
use crate::model::{Actor, Severity, Status};
use crate::store::CommitFeed;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rusqlite::Connection;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How the simulator behaves. Persisted in the database; `EVENTDESK_SIM*` variables override it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SimConfig {
    /// False while paused.
    pub running: bool,
    /// Changes per second.
    pub rate: f64,
    pub seed: u64,
    /// Share of changes that create a new event (the rest change existing ones), 0 to 1.
    pub new_share: f64,
    /// Chance, per change, of reopening an event a user completed, 0 to 1.
    pub override_chance: f64,
}

impl SimConfig {
    pub const MIN_RATE: f64 = 0.1;
    pub const MAX_RATE: f64 = 5000.0;
    /// Seeds stay exact as JavaScript numbers.
    pub const MAX_SEED: u64 = (1 << 53) - 1;

    /// Checks every field's range; the error names the first field out of range.
    pub fn validate(&self) -> Result<()> {
        let check = |name: &str, v: f64, min: f64, max: f64| {
            if v.is_finite() && (min..=max).contains(&v) {
                Ok(())
            } else {
                Err(Error::invalid(
                    name,
                    format!("must be from {min} to {max}, got {v}"),
                ))
            }
        };
        check("rate", self.rate, Self::MIN_RATE, Self::MAX_RATE)?;
        check("newShare", self.new_share, 0.0, 1.0)?;
        check("overrideChance", self.override_chance, 0.0, 1.0)?;
        if self.seed > Self::MAX_SEED {
            return Err(Error::invalid(
                "seed",
                format!("must be from 0 to {}, got {}", Self::MAX_SEED, self.seed),
            ));
        }
        Ok(())
    }

    pub fn new(seed: u64) -> Self {
        SimConfig {
            running: true,
            rate: 2.0,
            seed,
            new_share: 0.4,
            override_chance: 0.02,
        }
    }

    /// Reads `EVENTDESK_SIM` (`off` disables), `EVENTDESK_SIM_RATE`, `EVENTDESK_SIM_SEED`,
    /// `EVENTDESK_SIM_NEW_SHARE` and `EVENTDESK_SIM_OVERRIDE` through `var`. An unset seed
    /// takes `fallback_seed`. A malformed value is an `InvalidInput` naming the variable.
    pub fn from_env(var: impl Fn(&str) -> Option<String>, fallback_seed: u64) -> Result<Self> {
        SimConfig::new(fallback_seed).with_env(var)
    }

    /// These settings with any `EVENTDESK_SIM*` variable that `var` returns applied on top.
    pub fn with_env(self, var: impl Fn(&str) -> Option<String>) -> Result<Self> {
        let mut cfg = self;
        let get = |name: &str| {
            var(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        if let Some(v) = get("EVENTDESK_SIM") {
            cfg.running = match v.to_ascii_lowercase().as_str() {
                "off" | "0" | "false" | "no" => false,
                "on" | "1" | "true" | "yes" => true,
                _ => {
                    return Err(Error::invalid(
                        "EVENTDESK_SIM",
                        format!("expected on or off, got {v:?}"),
                    ))
                }
            };
        }
        if let Some(v) = get("EVENTDESK_SIM_RATE") {
            cfg.rate = parse_in("EVENTDESK_SIM_RATE", &v, Self::MIN_RATE, Self::MAX_RATE)?;
        }
        if let Some(v) = get("EVENTDESK_SIM_SEED") {
            cfg.seed = v.parse().map_err(|_| {
                Error::invalid(
                    "EVENTDESK_SIM_SEED",
                    format!("expected a whole number, got {v:?}"),
                )
            })?;
        }
        if let Some(v) = get("EVENTDESK_SIM_NEW_SHARE") {
            cfg.new_share = parse_in("EVENTDESK_SIM_NEW_SHARE", &v, 0.0, 1.0)?;
        }
        if let Some(v) = get("EVENTDESK_SIM_OVERRIDE") {
            cfg.override_chance = parse_in("EVENTDESK_SIM_OVERRIDE", &v, 0.0, 1.0)?;
        }
        Ok(cfg)
    }
}

fn parse_in(name: &str, v: &str, min: f64, max: f64) -> Result<f64> {
    match v.parse::<f64>() {
        Ok(x) if x.is_finite() && (min..=max).contains(&x) => Ok(x),
        _ => Err(Error::invalid(
            name,
            format!("expected a number from {min} to {max}, got {v:?}"),
        )),
    }
}

/// One kind of trouble the platform can report.
struct Template {
    kind: &'static str,
    sources: &'static [&'static str],
    /// Starting severities to draw from.
    severities: &'static [Severity],
    title: fn(&mut StdRng) -> String,
}

const MERCHANTS: &[&str] = &[
    "Northwind Grocers",
    "Bluebird Travel",
    "Acme Hardware",
    "Lumen Books",
    "Harbor Coffee",
    "Vela Fashion",
    "Quayside Hotels",
    "Pinecrest Pharmacy",
];
const ISSUERS: &[&str] = &["Visa", "Mastercard", "Amex", "Discover", "Maestro"];
const ACQUIRERS: &[&str] = &["Adyen", "Worldpay", "Elavon", "Nexi", "Fiserv"];
const REGIONS: &[&str] = &[
    "eu-west-1",
    "eu-central-1",
    "us-east-1",
    "us-west-2",
    "ap-southeast-1",
];
const CURRENCIES: &[&str] = &["EUR/USD", "GBP/EUR", "USD/JPY", "EUR/CHF", "USD/SGD"];

fn pick<'a>(rng: &mut StdRng, items: &'a [&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

use Severity::{Critical, Error as Err_, Info, Warning};

const TEMPLATES: &[Template] = &[
    Template {
        kind: "txn.timeout",
        sources: &["payments-api", "checkout-api"],
        severities: &[Warning, Warning, Err_],
        title: |r| {
            format!(
                "Card authorisations timing out after {} ms for {}",
                r.random_range(8..30) * 500,
                pick(r, MERCHANTS)
            )
        },
    },
    Template {
        kind: "card.declined.spike",
        sources: &["card-processor"],
        severities: &[Warning, Err_, Critical],
        title: |r| {
            format!(
                "{} decline rate at {}% (baseline 4%)",
                pick(r, ISSUERS),
                r.random_range(9..48)
            )
        },
    },
    Template {
        kind: "ledger.lag",
        sources: &["ledger", "ledger-db"],
        severities: &[Info, Warning, Err_],
        title: |r| {
            format!(
                "Ledger replication lag {} s on shard {}",
                r.random_range(3..240),
                r.random_range(1..17)
            )
        },
    },
    Template {
        kind: "login.failed.burst",
        sources: &["auth-gateway"],
        severities: &[Warning, Err_, Critical],
        title: |r| {
            format!(
                "{} failed logins in 60 s from 203.0.{}.0/24",
                r.random_range(40..900),
                r.random_range(1..255)
            )
        },
    },
    Template {
        kind: "payout.batch.stuck",
        sources: &["payouts"],
        severities: &[Warning, Err_],
        title: |r| {
            format!(
                "Payout batch PB-{} stuck in 'submitted' for {} min",
                r.random_range(10_000..99_999),
                r.random_range(15..180)
            )
        },
    },
    Template {
        kind: "fx.rate.stale",
        sources: &["fx-service"],
        severities: &[Info, Warning],
        title: |r| {
            format!(
                "{} rate not refreshed for {} min",
                pick(r, CURRENCIES),
                r.random_range(5..60)
            )
        },
    },
    Template {
        kind: "webhook.delivery.failed",
        sources: &["webhooks"],
        severities: &[Info, Warning, Err_],
        title: |r| {
            format!(
                "Webhooks to {} failing with HTTP 503 ({} retries)",
                pick(r, MERCHANTS),
                r.random_range(3..25)
            )
        },
    },
    Template {
        kind: "settlement.mismatch",
        sources: &["reconciliation"],
        severities: &[Err_, Critical],
        title: |r| {
            format!(
                "{} settlement off by €{}.{:02} across {} transactions",
                pick(r, ACQUIRERS),
                r.random_range(12..9_000),
                r.random_range(0..100),
                r.random_range(2..60)
            )
        },
    },
    Template {
        kind: "api.latency.p99",
        sources: &["payments-api", "checkout-api", "auth-gateway"],
        severities: &[Info, Warning, Err_],
        title: |r| {
            format!(
                "p99 latency {} ms in {} (SLO 800 ms)",
                r.random_range(900..4_000),
                pick(r, REGIONS)
            )
        },
    },
    Template {
        kind: "fraud.score.spike",
        sources: &["risk-engine"],
        severities: &[Warning, Critical],
        title: |r| {
            format!(
                "High-risk scores on {}% of {} checkouts in 5 min",
                r.random_range(6..35),
                pick(r, MERCHANTS)
            )
        },
    },
    Template {
        kind: "db.connections.saturated",
        sources: &["ledger-db", "payments-db"],
        severities: &[Err_, Critical],
        title: |r| {
            format!(
                "Connection pool {}% used on primary in {}",
                r.random_range(90..101),
                pick(r, REGIONS)
            )
        },
    },
    Template {
        kind: "kyc.queue.backlog",
        sources: &["onboarding"],
        severities: &[Info, Warning],
        title: |r| {
            format!(
                "{} KYC reviews waiting longer than 4 h",
                r.random_range(20..600)
            )
        },
    },
];

/// Draws a realistic new event.
pub fn random_event(rng: &mut StdRng) -> NewEvent {
    let t = &TEMPLATES[rng.random_range(0..TEMPLATES.len())];
    NewEvent {
        kind: t.kind.to_owned(),
        source: t.sources[rng.random_range(0..t.sources.len())].to_owned(),
        severity: t.severities[rng.random_range(0..t.severities.len())],
        title: (t.title)(rng),
    }
}

/// How many recent unfinished events the simulator chooses among.
const WORKING_SET: usize = 32;
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
        let actor = Actor::Simulator;
        if self.config.override_chance > 0.0 && self.rng.random_bool(self.config.override_chance) {
            let done = events::recent_user_completed::<8>(w.conn())?;
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
                self.working = Some(events::recent_unfinished::<WORKING_SET>(w.conn())?);
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
        conn: &mut Connection,
        feed: &CommitFeed,
        now: i64,
        n: u64,
    ) -> Result<()> {
        self.working = None;
        feed.write(conn, now, |w| {
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
        mut self,
        mut conn: Connection,
        feed: CommitFeed,
        clock: Arc<dyn Clock>,
        control: Arc<SimControl>,
    ) {
        let mut generation = u64::MAX;
        let mut start = Instant::now();
        let mut done: u64 = 0;
        tracing::info!(seed = self.config.seed, "simulator thread started");
        while !control.stop.load(Ordering::Relaxed) {
            control.ticks.fetch_add(1, Ordering::Relaxed);
            let current = control.generation.load(Ordering::Acquire);
            if current != generation {
                generation = current;
                let config = control.config();
                if config.seed != self.config.seed {
                    self.rng = StdRng::seed_from_u64(config.seed);
                }
                self.config = config;
                start = Instant::now();
                done = 0;
                control.applied.store(current, Ordering::Release);
                tracing::info!(?self.config, "simulator settings applied");
            }
            if !self.config.running {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            let rate = self
                .config
                .rate
                .clamp(SimConfig::MIN_RATE, SimConfig::MAX_RATE);
            // Truncation is intended: changes due so far, as a whole number.
            #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
            let due = (start.elapsed().as_secs_f64() * rate) as u64;
            if due > done + MAX_BATCH {
                tracing::warn!(skipped = due - done - MAX_BATCH, "simulator fell behind");
                done = due - MAX_BATCH;
            }
            let n = due - done.min(due);
            if n > 0 {
                match self.run_batch(&mut conn, &feed, clock.now_ms(), n) {
                    Ok(()) => {
                        control.changes.fetch_add(n, Ordering::Relaxed);
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "simulator batch failed; nothing of it was written")
                    }
                }
                done += n;
            }
            let next = Duration::from_secs_f64((done + 1) as f64 / rate);
            let wait = next.saturating_sub(start.elapsed());
            std::thread::sleep(wait.clamp(Duration::from_millis(1), Duration::from_millis(50)));
        }
        tracing::info!(changes = self.changes, "simulator stopped");
    }
}

/// The running simulator's settings, shared between its thread and the commands that change
/// them.
pub struct SimControl {
    config: std::sync::Mutex<SimConfig>,
    generation: std::sync::atomic::AtomicU64,
    changes: std::sync::atomic::AtomicU64,
    stop: AtomicBool,
    /// Turns of the simulator thread's loop, paused or not: its heartbeat.
    ticks: std::sync::atomic::AtomicU64,
    /// The settings generation the thread runs with.
    applied: std::sync::atomic::AtomicU64,
}

/// The simulator's settings and how many changes it made since the app started.
#[derive(Debug, Clone, PartialEq, serde::Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct SimulatorStatus {
    pub settings: SimConfig,
    pub changes: u64,
}

impl SimControl {
    pub fn new(config: SimConfig) -> Arc<Self> {
        Arc::new(SimControl {
            config: std::sync::Mutex::new(config),
            generation: std::sync::atomic::AtomicU64::new(0),
            changes: std::sync::atomic::AtomicU64::new(0),
            stop: AtomicBool::new(false),
            ticks: std::sync::atomic::AtomicU64::new(0),
            applied: std::sync::atomic::AtomicU64::new(u64::MAX),
        })
    }

    pub fn config(&self) -> SimConfig {
        self.config
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Validates and applies new settings; the thread picks them up within 50 ms.
    pub fn update(&self, config: SimConfig) -> Result<SimulatorStatus> {
        config.validate()?;
        *self
            .config
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = config;
        self.generation.fetch_add(1, Ordering::AcqRel);
        Ok(self.status())
    }

    pub fn status(&self) -> SimulatorStatus {
        SimulatorStatus {
            settings: self.config(),
            changes: self.changes.load(Ordering::Relaxed),
        }
    }

    /// How many times the simulator thread has looked at its settings and the clock (about
    /// every 50 ms while paused): a heartbeat, for diagnostics and tests.
    pub fn ticks(&self) -> u64 {
        self.ticks.load(Ordering::Relaxed)
    }

    /// Whether the thread runs with the settings last given to [`SimControl::update`].
    pub fn is_applied(&self) -> bool {
        self.applied.load(Ordering::Acquire) == self.generation.load(Ordering::Acquire)
    }

    /// Ends the simulator thread.
    pub fn stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}
