//! Which sources share dedup keys. A key belongs to the source that raised its event: a
//! trigger, acknowledge or resolve from another source never finds it, so that one sender
//! cannot raise, acknowledge or resolve another sender's events. Sources that report the same
//! things (Alertmanager's webhook and its PagerDuty receiver, two queues of one system) are
//! joined explicitly, by this setting.

use crate::db::{rows, Handle, WriteTxn};
use crate::error::{Error, Result};
use crate::model::Actor;
use crate::Store;

/// The setting's key.
pub const DEDUP_GROUPS: &str = "dedup_groups";
/// The most groups, and the most sources in one.
pub const MAX_GROUPS: usize = 64;

/// Groups of source names (as their events say: `pagerduty`, `alertmanager`,
/// `rabbitmq:alerts`) whose members find each other's events by dedup key.
#[derive(
    Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize, specta::Type,
)]
pub struct DedupGroups {
    pub groups: Vec<Vec<String>>,
}

impl DedupGroups {
    /// Each name a source's name, each group of two or more, no source in two groups.
    pub fn validate(&self) -> Result<()> {
        if self.groups.len() > MAX_GROUPS {
            return Err(Error::invalid(
                "groups",
                format!("at most {MAX_GROUPS} groups"),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for group in &self.groups {
            if group.len() < 2 || group.len() > MAX_GROUPS {
                return Err(Error::invalid(
                    "groups",
                    format!("a group joins 2 to {MAX_GROUPS} sources"),
                ));
            }
            for name in group {
                Actor::source(name)
                    .map_err(|e| Error::invalid("groups", format!("{name:?}: {e}")))?;
                if !seen.insert(name.as_str()) {
                    return Err(Error::invalid(
                        "groups",
                        format!("{name} is in more than one group"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Whose events `actor` finds by dedup key: its own, and those of the sources joined with
    /// it (as stored actors: `source:NAME`).
    pub fn owners(&self, actor: &Actor) -> Vec<String> {
        let mine = actor.as_text().into_owned();
        let joined = match actor {
            Actor::Source(name) => self.groups.iter().find(|g| g.contains(name)),
            _ => None,
        };
        match joined {
            Some(group) => group.iter().map(|n| format!("source:{n}")).collect(),
            None => vec![mine],
        }
    }

    /// The saved groups (none when nothing was saved).
    pub fn read(conn: &impl Handle) -> Result<DedupGroups> {
        match rows::setting(conn, DEDUP_GROUPS)? {
            None => Ok(DedupGroups::default()),
            Some(text) => serde_json::from_str(&text)
                .map_err(|e| Error::storage(format!("setting {DEDUP_GROUPS} is unreadable: {e}"))),
        }
    }

    /// The saved groups, read from `store`.
    pub fn load(store: &Store) -> Result<DedupGroups> {
        Ok(store
            .load_setting::<DedupGroups>(DEDUP_GROUPS)?
            .unwrap_or_default())
    }

    /// The names trimmed, and without the `source:` that events show before them.
    pub fn normalized(&self) -> DedupGroups {
        let name = |n: &String| {
            let n = n.trim();
            n.strip_prefix("source:").unwrap_or(n).to_owned()
        };
        DedupGroups {
            groups: self
                .groups
                .iter()
                .map(|g| g.iter().map(name).collect())
                .collect(),
        }
    }

    /// Checks and saves (normalized); nothing is written if the check fails. Messages applied
    /// after it find the joined sources' events. Returns what was saved.
    pub fn save(&self, store: &Store) -> Result<DedupGroups> {
        let groups = self.normalized();
        groups.validate()?;
        store.save_setting(DEDUP_GROUPS, &groups)?;
        Ok(groups)
    }

    /// Checks and saves (normalized) inside `w` (the tool's own write).
    pub fn write(&self, w: &mut WriteTxn<'_>) -> Result<DedupGroups> {
        let groups = self.normalized();
        groups.validate()?;
        let text = serde_json::to_string(&groups).map_err(Error::storage)?;
        w.put_setting(DEDUP_GROUPS, &text)?;
        Ok(groups)
    }
}
