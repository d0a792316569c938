//! The simulator of a desk in a team. In a team only the stream writes events, so instead of
//! writing to this desk's file the simulator makes the same kind of operations as PagerDuty
//! events for the team's stream: new alerts (each with a key of its own), and for this desk's
//! recent ones an acknowledge, a trigger again at a worse severity, or a resolve. Every desk,
//! this one included, applies them from the stream by the ingest rules. (It never reopens an
//! operator's completion: a source never undoes an operator.)

use super::{pace, random_event, Paced, SimConfig, SimControl};
use crate::error::Result;
use crate::model::{Labels, Severity};
use crate::services::ingest::pagerduty;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// How many of its own recent alerts the simulator moves along.
const WORKING_SET: usize = 32;

/// One of this desk's simulated alerts that is not resolved.
struct Alert {
    key: String,
    title: String,
    kind: String,
    source: String,
    severity: Severity,
    acknowledged: bool,
    /// Sent as custom details, which become the event's labels.
    labels: Labels,
}

/// Makes PagerDuty events for a team's stream; see the module's documentation.
pub struct TeamSimulator<P> {
    config: SimConfig,
    rng: StdRng,
    /// Keys are `sim-DESK-SEED-N`: unique per desk and run.
    prefix: String,
    made: u64,
    working: Vec<Alert>,
    publish: P,
}

impl<P: FnMut(Vec<Vec<u8>>) -> Result<()>> TeamSimulator<P> {
    /// A simulator for the desk `desk` that hands each batch of messages to `publish`.
    pub fn new(config: SimConfig, desk: &str, publish: P) -> Self {
        TeamSimulator {
            rng: StdRng::seed_from_u64(config.seed),
            prefix: format!("sim-{desk}-{}", config.seed),
            config,
            made: 0,
            working: Vec::new(),
            publish,
        }
    }

    /// The next message.
    pub fn message(&mut self) -> Vec<u8> {
        let create = self.working.is_empty() || self.rng.random_bool(self.config.new_share);
        if create {
            let new = random_event(&mut self.rng);
            self.made += 1;
            let alert = Alert {
                key: format!("{}-{}", self.prefix, self.made),
                title: new.title,
                kind: new.kind,
                source: new.source,
                severity: new.severity,
                acknowledged: false,
                labels: new.labels,
            };
            let body = trigger(&alert);
            self.working.insert(0, alert);
            self.working.truncate(WORKING_SET);
            return body;
        }
        let i = self.rng.random_range(0..self.working.len());
        let roll: f64 = self.rng.random();
        let alert = &mut self.working[i];
        match alert.severity.escalated() {
            _ if !alert.acknowledged && roll < 0.45 => {
                alert.acknowledged = true;
                pagerduty::action_message("acknowledge", &alert.key)
            }
            Some(worse) if roll < 0.7 => {
                alert.severity = worse;
                trigger(alert)
            }
            _ => {
                let key = self.working.remove(i).key;
                pagerduty::action_message("resolve", &key)
            }
        }
    }

    /// Runs until `control` is stopped, at the rate and with the settings it holds now; a
    /// batch that cannot be published is logged and dropped (simulated events, not an
    /// operator's work).
    pub fn run(mut self, control: &SimControl) {
        tracing::info!(seed = self.config.seed, "team simulator started");
        pace(control, &mut self);
        tracing::info!(alerts = self.made, "team simulator stopped");
    }
}

fn trigger(alert: &Alert) -> Vec<u8> {
    pagerduty::trigger_message(
        &alert.key,
        &alert.title,
        &alert.source,
        alert.severity,
        &alert.kind,
        &alert.labels,
    )
}

impl<P: FnMut(Vec<Vec<u8>>) -> Result<()>> Paced for TeamSimulator<P> {
    fn configure(&mut self, config: SimConfig) {
        if config.seed != self.config.seed {
            self.rng = StdRng::seed_from_u64(config.seed);
        }
        self.config = config;
    }

    fn make(&mut self, n: u64) -> bool {
        let messages = (0..n).map(|_| self.message()).collect();
        match (self.publish)(messages) {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!(error = %e, "the team simulator's messages were not published");
                false
            }
        }
    }
}
