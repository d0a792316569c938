//! Who is in a team, as its log says: a team is founded by one broker user (named in the join
//! string `STREAM/ADMIN`), who is its first admin and stays one. Admins change the roster and
//! the team's limits with roster messages; a message counts only when RabbitMQ proved that an
//! admin published it (its `user_id`) at that point of the log, so a user who can merely
//! publish to the stream can neither act nor take the team over.

use crate::error::{Error, Result};
use crate::model::{Actor, Member, MessageLimits, TimerPolicy};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A team as a desk joins it: its stream and its founding admin's broker user name, written
/// `STREAM/ADMIN` (the join string).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TeamRef {
    pub stream: String,
    pub admin: String,
}

impl TeamRef {
    pub fn new(stream: &str, admin: &str) -> Result<TeamRef> {
        super::check_stream(stream)?;
        check_user("admin", admin)?;
        Ok(TeamRef {
            stream: stream.to_owned(),
            admin: admin.to_owned(),
        })
    }
}

impl FromStr for TeamRef {
    type Err = Error;

    fn from_str(text: &str) -> Result<TeamRef> {
        let (stream, admin) = text.trim().split_once('/').ok_or_else(|| {
            Error::invalid(
                "team",
                format!(
                    "a team is joined as STREAM/ADMIN (its stream and its founding admin's \
                     RabbitMQ user, e.g. ops/alice), got {text:?}"
                ),
            )
        })?;
        TeamRef::new(stream, admin)
    }
}

impl fmt::Display for TeamRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.stream, self.admin)
    }
}

/// A broker user name a team takes: what an operator is shown as (1 to 64 letters, digits,
/// spaces or `.-_:@/`).
pub fn check_user(field: &str, user: &str) -> Result<()> {
    Actor::operator(user)
        .map(|_| ())
        .map_err(|e| Error::invalid(field, e))
}

/// A change to the roster, published by an admin:
/// `{"eventdesk":"roster","id":"…","set":[{"user":"bob","role":"operator","name":"Bob"}],"remove":["carol"]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RosterMessage {
    pub id: String,
    /// Users given a role (or a new display name).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub set: Vec<Member>,
    /// Users taken off the roster.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub remove: Vec<String>,
    /// New limits for the team's messages.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub limits: Option<MessageLimits>,
    /// The longest the team's silences may last from now on, in days (1 to 365).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_silence_days: Option<u32>,
    /// The team's timers from now on (acknowledgement timeouts by severity, expiry), in place
    /// of the ones before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timers: Option<TimerPolicy>,
}

/// The most roster changes one message makes.
const MAX_CHANGES: usize = 256;

impl RosterMessage {
    /// A change every desk will apply (when an admin sent it): valid names, each user named
    /// once, the founder `admin` kept an admin, limits in range.
    pub fn validate(&self, founder: &str) -> Result<()> {
        super::check_text("id", &self.id)?;
        if self.set.len() + self.remove.len() > MAX_CHANGES {
            return Err(Error::invalid(
                "set",
                format!("one message changes at most {MAX_CHANGES} users"),
            ));
        }
        if self.set.is_empty()
            && self.remove.is_empty()
            && self.limits.is_none()
            && self.max_silence_days.is_none()
            && self.timers.is_none()
        {
            return Err(Error::invalid("roster", "changes nothing"));
        }
        let mut named = std::collections::HashSet::new();
        for user in self.set.iter().map(|m| &m.user).chain(&self.remove) {
            check_user("user", user)?;
            if !named.insert(user) {
                return Err(Error::invalid("user", format!("{user} is named twice")));
            }
        }
        for member in &self.set {
            if let Some(name) = &member.name {
                if name.trim().is_empty()
                    || name.chars().count() > 64
                    || name.chars().any(char::is_control)
                {
                    return Err(Error::invalid(
                        "name",
                        "a display name is 1 to 64 printable characters",
                    ));
                }
            }
            if member.user == founder && member.role != crate::model::Role::Admin {
                return Err(founder_stays(founder));
            }
        }
        if self.remove.iter().any(|u| u == founder) {
            return Err(founder_stays(founder));
        }
        if let Some(limits) = &self.limits {
            check_limits(limits)?;
        }
        if self
            .max_silence_days
            .is_some_and(|d| !crate::services::preferences::AppSettings::SILENCE_DAYS.contains(&d))
        {
            return Err(Error::invalid(
                "maxSilenceDays",
                "a silence may be allowed to last 1 to 365 days",
            ));
        }
        if let Some(timers) = &self.timers {
            timers.validate()?;
        }
        Ok(())
    }

    /// The message as published.
    pub fn to_body(&self) -> Vec<u8> {
        serde_json::to_vec(&super::TeamMessage::Roster(self.clone())).unwrap_or_default()
    }
}

fn founder_stays(founder: &str) -> Error {
    Error::invalid(
        "roster",
        format!("{founder} founded the team and stays an admin"),
    )
}

/// Limits within what Eventdesk takes.
pub fn check_limits(limits: &MessageLimits) -> Result<()> {
    if !MessageLimits::MESSAGE_RANGE.contains(&limits.max_message) {
        return Err(Error::invalid(
            "maxMessage",
            format!(
                "must be {} to {} bytes",
                MessageLimits::MESSAGE_RANGE.start(),
                MessageLimits::MESSAGE_RANGE.end()
            ),
        ));
    }
    if !MessageLimits::ALERTS_RANGE.contains(&limits.max_alerts) {
        return Err(Error::invalid(
            "maxAlerts",
            format!(
                "must be {} to {}",
                MessageLimits::ALERTS_RANGE.start(),
                MessageLimits::ALERTS_RANGE.end()
            ),
        ));
    }
    Ok(())
}
