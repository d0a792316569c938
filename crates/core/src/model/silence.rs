//! Silences: matchers (see [`crate::model::Matcher`]), a start and an end, who made it and
//! why. While a silence is active, the events its matchers match are muted: hidden from the
//! default view, counted, and never notified. A muted event is never changed. Whether a
//! silence is active is derived when reading, from its start and end, so it needs no writer.

use crate::error::{Error, Result};
use crate::model::{Actor, Compiled, Matcher, MAX_MATCHERS};
use serde::{Deserialize, Serialize};
use specta::Type;

/// One silence, as its newest version says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct Silence {
    pub id: i64,
    /// 1 when made; each edit or early expiry adds one.
    pub version: i64,
    pub matchers: Vec<Matcher>,
    pub starts_at: i64,
    pub ends_at: i64,
    /// Who made this version.
    pub author: Actor,
    pub comment: String,
    /// When this version was made (the log's time).
    pub made_at: i64,
    /// Its identity in a team (the same on every desk, unlike `id`): the id of the stream
    /// message that made it. `None` for a silence of a desk working alone.
    pub team_key: Option<String>,
}

/// Where a silence is in its life at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Type)]
#[serde(rename_all = "lowercase")]
pub enum SilenceState {
    Pending,
    Active,
    Expired,
}

impl Silence {
    pub fn state(&self, now: i64) -> SilenceState {
        if now < self.starts_at {
            SilenceState::Pending
        } else if now < self.ends_at {
            SilenceState::Active
        } else {
            SilenceState::Expired
        }
    }
}

/// A silence as an operator asks for it (made or edited).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SilenceDraft {
    pub matchers: Vec<Matcher>,
    /// Absent: now.
    pub starts_at: Option<i64>,
    pub ends_at: i64,
    pub comment: String,
}

/// The longest comment, in characters.
pub const MAX_SILENCE_COMMENT: usize = 1_000;
/// The longest a silence may last unless a setting says otherwise: 30 days.
pub const DEFAULT_MAX_SILENCE_MS: i64 = 30 * 86_400_000;

impl SilenceDraft {
    /// Checks the draft at `now`, for a silence of at most `max_length` ms from its start (or
    /// from now, for one that started before). Returns the start it gets and its compiled
    /// matchers; the error names the field and the problem.
    pub fn check(&self, now: i64, max_length: i64) -> Result<(i64, Vec<Compiled>)> {
        if self.matchers.is_empty() {
            return Err(Error::invalid(
                "matchers",
                "a silence needs at least one matcher",
            ));
        }
        if self.matchers.len() > MAX_MATCHERS {
            return Err(Error::invalid(
                "matchers",
                format!(
                    "holds {} matchers, more than the {MAX_MATCHERS} a silence may",
                    self.matchers.len()
                ),
            ));
        }
        let compiled = self
            .matchers
            .iter()
            .map(Matcher::compile)
            .collect::<Result<Vec<_>>>()?;
        // As in Alertmanager: a silence whose every matcher matches the empty value would
        // mute events that name nothing it names.
        if compiled.iter().all(|m| m.test("")) {
            return Err(Error::invalid(
                "matchers",
                "every matcher also matches an empty value, so the silence would mute events \
                 that have nothing it names: add a matcher that needs a value",
            ));
        }
        let starts = self.starts_at.unwrap_or(now);
        if self.ends_at <= starts {
            return Err(Error::invalid("endsAt", "must be after the start"));
        }
        if self.ends_at <= now {
            return Err(Error::invalid("endsAt", "is in the past"));
        }
        if self.ends_at - starts.max(now) > max_length {
            return Err(Error::invalid(
                "endsAt",
                format!(
                    "makes the silence longer than the {} days a silence may last (a setting)",
                    max_length / 86_400_000
                ),
            ));
        }
        let comment = self.comment.trim();
        if comment.is_empty() {
            return Err(Error::invalid("comment", "say why events are silenced"));
        }
        if comment.chars().count() > MAX_SILENCE_COMMENT {
            return Err(Error::invalid(
                "comment",
                format!("is longer than {MAX_SILENCE_COMMENT} characters"),
            ));
        }
        Ok((starts, compiled))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{parse_matchers, MatchOp};

    const NOW: i64 = 1_800_000_000_000;
    const HOUR: i64 = 3_600_000;

    fn draft(matchers: &str, starts: Option<i64>, ends: i64, comment: &str) -> SilenceDraft {
        SilenceDraft {
            matchers: parse_matchers(matchers).unwrap(),
            starts_at: starts,
            ends_at: ends,
            comment: comment.into(),
        }
    }

    fn refused(d: &SilenceDraft) -> (String, String) {
        match d.check(NOW, DEFAULT_MAX_SILENCE_MS) {
            Err(Error::InvalidInput { field, message }) => (field, message),
            other => panic!("{d:?}: {other:?}"),
        }
    }

    #[test]
    fn a_draft_is_checked_field_by_field() {
        let (starts, compiled) = draft("source=db-7", None, NOW + HOUR, "disk swap")
            .check(NOW, DEFAULT_MAX_SILENCE_MS)
            .unwrap();
        assert_eq!(starts, NOW);
        assert_eq!(compiled[0].op, MatchOp::Equal);
        for (d, field, says) in [
            (draft("", None, NOW + HOUR, "c"), "matchers", "at least one"),
            (
                draft("label.team!=db", None, NOW + HOUR, "c"),
                "matchers",
                "also matches an empty value",
            ),
            (
                draft("host=x", None, NOW + HOUR, "c"),
                "matchers",
                "unknown field",
            ),
            (
                draft("title=~\"(\"", None, NOW + HOUR, "c"),
                "matchers",
                "at character 1",
            ),
            (
                draft("kind=x", Some(NOW + HOUR), NOW + HOUR, "c"),
                "endsAt",
                "after the start",
            ),
            (
                draft("kind=x", Some(NOW - 2 * HOUR), NOW - HOUR, "c"),
                "endsAt",
                "in the past",
            ),
            (
                draft("kind=x", None, NOW + 31 * 24 * HOUR, "c"),
                "endsAt",
                "30 days",
            ),
            (
                draft("kind=x", None, NOW + HOUR, "  "),
                "comment",
                "say why",
            ),
            (
                draft("kind=x", None, NOW + HOUR, &"c".repeat(1_001)),
                "comment",
                "longer than 1000",
            ),
        ] {
            let (f, m) = refused(&d);
            assert_eq!(f, field, "{d:?}: {m}");
            assert!(m.contains(says), "{d:?}: {m}");
        }
        // A silence that started before keeps its start and may last the maximum from now.
        let edit = draft("kind=x", Some(NOW - 10 * HOUR), NOW + 29 * 24 * HOUR, "c");
        assert_eq!(
            edit.check(NOW, DEFAULT_MAX_SILENCE_MS).unwrap().0,
            NOW - 10 * HOUR
        );
    }

    #[test]
    fn a_silence_is_pending_then_active_then_expired() {
        let s = Silence {
            id: 1,
            version: 1,
            matchers: vec![],
            starts_at: NOW,
            ends_at: NOW + HOUR,
            author: Actor::User,
            comment: "c".into(),
            made_at: NOW,
            team_key: None,
        };
        assert_eq!(s.state(NOW - 1), SilenceState::Pending);
        assert_eq!(s.state(NOW), SilenceState::Active);
        assert_eq!(s.state(NOW + HOUR - 1), SilenceState::Active);
        assert_eq!(s.state(NOW + HOUR), SilenceState::Expired);
    }
}
