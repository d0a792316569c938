//! The operator's preferences: theme, notifications, sounds, tray behaviour, page size, row
//! density, the longest a silence made at this desk may last, and the desk's timers. Kept in
//! the database's `settings` table, so they survive restarts and travel with the file.

use crate::error::{Error, Result};
use crate::model::TimerPolicy;
use crate::store::Store;
use serde::{Deserialize, Serialize};
use specta::Type;

/// The `settings` key the preferences are stored under.
pub const APP_SETTINGS: &str = "app";

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum Theme {
    /// Follow the operating system's light or dark setting.
    #[default]
    System,
    Light,
    Dark,
}

/// How much room a row of the table takes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum Density {
    /// Rows grow to show long titles and the status's second line.
    #[default]
    Comfortable,
    /// One line per row: long titles are cut short, with the whole title in a tooltip.
    Compact,
}

/// A sound for new events of each severity, all off unless chosen.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, Type)]
pub struct Sounds {
    pub critical: bool,
    pub error: bool,
    pub warning: bool,
    pub info: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AppSettings {
    pub theme: Theme,
    /// Desktop notifications for events that become critical.
    pub notifications: bool,
    pub sounds: Sounds,
    /// Closing the window hides it to the tray instead of quitting.
    pub close_to_tray: bool,
    /// Rows per page when a view does not say.
    pub page_size: i64,
    pub density: Density,
    /// The longest a silence made at this desk may last, in days (a team's silences obey the
    /// team's limit instead).
    pub max_silence_days: u32,
    /// When this desk's timers act (a team's follow the team's instead).
    pub timers: TimerPolicy,
}

impl Default for AppSettings {
    fn default() -> Self {
        AppSettings {
            theme: Theme::System,
            notifications: true,
            sounds: Sounds::default(),
            close_to_tray: false,
            page_size: 50,
            density: Density::Comfortable,
            max_silence_days: 30,
            timers: TimerPolicy::default(),
        }
    }
}

impl AppSettings {
    pub const PAGE_SIZES: [i64; 4] = [25, 50, 100, 200];
    /// A silence may be allowed to last 1 day to a year.
    pub const SILENCE_DAYS: std::ops::RangeInclusive<u32> = 1..=365;

    /// The longest a silence may last, in ms.
    pub fn max_silence_ms(&self) -> i64 {
        i64::from(self.max_silence_days) * 86_400_000
    }

    pub fn validate(&self) -> Result<()> {
        self.timers.validate()?;
        if !Self::SILENCE_DAYS.contains(&self.max_silence_days) {
            return Err(Error::invalid(
                "maxSilenceDays",
                format!("must be 1 to 365 days, got {}", self.max_silence_days),
            ));
        }
        if !Self::PAGE_SIZES.contains(&self.page_size) {
            return Err(Error::invalid(
                "pageSize",
                format!(
                    "must be one of {:?}, got {}",
                    Self::PAGE_SIZES,
                    self.page_size
                ),
            ));
        }
        Ok(())
    }

    /// The saved preferences, or the defaults if none were saved. Fields missing from what was
    /// saved (by an older version) take their defaults; unreadable preferences, and values that
    /// no longer pass [`AppSettings::validate`], fall back to the defaults with a warning.
    pub fn load(store: &Store) -> (AppSettings, Vec<String>) {
        AppSettings::from_saved(store.load_setting::<serde_json::Value>(APP_SETTINGS))
    }

    /// [`AppSettings::load`] from a connection of the caller's (the tool's).
    pub fn load_from(conn: &impl crate::db::Handle) -> (AppSettings, Vec<String>) {
        let saved = crate::db::rows::setting(conn, APP_SETTINGS).and_then(|text| {
            text.map(|t| serde_json::from_str(&t).map_err(Error::storage))
                .transpose()
        });
        AppSettings::from_saved(saved)
    }

    fn from_saved(saved: Result<Option<serde_json::Value>>) -> (AppSettings, Vec<String>) {
        let defaults = AppSettings::default();
        let saved = match saved {
            Ok(Some(saved)) => saved,
            Ok(None) => return (defaults, Vec::new()),
            Err(e) => {
                return (
                    defaults,
                    vec![format!(
                        "The saved preferences could not be read ({e}); the defaults are used."
                    )],
                )
            }
        };
        let mut merged = serde_json::to_value(defaults).unwrap_or(serde_json::Value::Null);
        merge(&mut merged, saved);
        let mut s: AppSettings = match serde_json::from_value(merged) {
            Ok(s) => s,
            Err(e) => {
                return (
                    defaults,
                    vec![format!(
                        "The saved preferences could not be read ({e}); the defaults are used."
                    )],
                )
            }
        };
        let mut warnings = Vec::new();
        if let Err(e) = s.validate() {
            warnings.push(format!(
                "A saved preference was out of range ({e}); its default is used."
            ));
            if !Self::PAGE_SIZES.contains(&s.page_size) {
                s.page_size = defaults.page_size;
            }
            if !Self::SILENCE_DAYS.contains(&s.max_silence_days) {
                s.max_silence_days = defaults.max_silence_days;
            }
            if s.timers.validate().is_err() {
                s.timers = defaults.timers;
            }
        }
        (s, warnings)
    }

    /// Checks and saves; nothing is written if the check fails.
    pub fn save(&self, store: &Store) -> Result<()> {
        self.validate()?;
        store.save_setting(APP_SETTINGS, self)
    }
}

/// Overlays `saved` onto `base`, object by object, keeping `base` where `saved` says nothing.
fn merge(base: &mut serde_json::Value, saved: serde_json::Value) {
    match (base, saved) {
        (serde_json::Value::Object(base), serde_json::Value::Object(saved)) => {
            for (key, value) in saved {
                match base.get_mut(&key) {
                    Some(slot) => merge(slot, value),
                    None => {
                        base.insert(key, value);
                    }
                }
            }
        }
        (slot, value) => *slot = value,
    }
}
