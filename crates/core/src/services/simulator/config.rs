//! The simulator's settings, their ranges, and the `EVENTDESK_SIM*` variables over them.

use crate::error::{Error, Result};
use crate::services::simulator::SIMULATOR_SETTINGS;
use crate::store::Store;

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

    /// The settings the simulator starts with: those saved in `store` (or the defaults, with
    /// `fallback_seed`), with any `EVENTDESK_SIM*` variable that `var` returns applied on top.
    /// Saved settings that are unreadable or out of range are replaced by the defaults, and a
    /// malformed variable leaves the simulator paused; either way a warning says so.
    pub fn starting(
        store: &Store,
        var: impl Fn(&str) -> Option<String>,
        fallback_seed: u64,
    ) -> (Self, Vec<String>) {
        let mut warnings = Vec::new();
        let saved = match store.load_setting::<SimConfig>(SIMULATOR_SETTINGS) {
            Ok(Some(saved)) => match saved.validate() {
                Ok(()) => Some(saved),
                Err(e) => {
                    warnings.push(format!(
                        "The saved simulator settings were out of range ({e}); the defaults are used."
                    ));
                    None
                }
            },
            Ok(None) => None,
            Err(e) => {
                warnings.push(format!(
                    "The saved simulator settings could not be read ({e}); the defaults are used."
                ));
                None
            }
        };
        let base = saved.unwrap_or_else(|| SimConfig::new(fallback_seed));
        match base.clone().with_env(var) {
            Ok(config) => (config, warnings),
            Err(e) => {
                warnings.push(format!("{e}; the simulator is paused."));
                (
                    SimConfig {
                        running: false,
                        ..base
                    },
                    warnings,
                )
            }
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
            cfg.running = parse_switch(&v).ok_or_else(|| {
                Error::invalid("EVENTDESK_SIM", format!("expected on or off, got {v:?}"))
            })?;
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

/// An on/off setting as written in a variable: on, 1, true or yes; off, 0, false or no (any
/// case, surrounding blanks ignored). `None` for anything else.
pub fn parse_switch(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "1" | "true" | "yes" => Some(true),
        "off" | "0" | "false" | "no" => Some(false),
        _ => None,
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
