//! What the sources are set up from: the saved set-up, the environment, and what the Sources
//! panel is shown.

use crate::amqp::{Broker, QueueKind, QueueSource, QueueStatus, PASSWORD_VAR};
use eventdesk_core::services::ingest::{Activity, Format};
use serde::{Deserialize, Serialize};
use specta::Type;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};

/// The endpoint's port unless the operator picks another.
pub const DEFAULT_HTTP_PORT: u16 = 8095;

/// The saved set-up. Secrets (the token, URLs with their passwords) are not in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SourcesConfig {
    pub http_enabled: bool,
    pub http_port: u16,
    pub queues: Vec<QueueConfig>,
}

impl Default for SourcesConfig {
    fn default() -> Self {
        SourcesConfig {
            http_enabled: false,
            http_port: DEFAULT_HTTP_PORT,
            queues: Vec::new(),
        }
    }
}

/// A queue the desk reads. Its URL, with the password, is in the credential store under
/// `amqp:ID`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct QueueConfig {
    pub id: String,
    pub queue: String,
    pub kind: QueueKind,
    pub format: Format,
    /// The URL without its password, to show.
    pub shown_url: String,
    /// Paused by the operator: not read until resumed.
    #[serde(default)]
    pub paused: bool,
}

/// The endpoint's state, for the Sources panel.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HttpStatus {
    pub enabled: bool,
    pub port: u16,
    /// `http://ADDRESS:PORT` while it listens.
    pub listening: Option<String>,
    /// Why it does not listen, when it should.
    pub error: Option<String>,
    pub activity: Activity,
    /// Set by `EVENTDESK_HTTP_LISTEN`: the panel cannot change it.
    pub from_environment: bool,
}

/// One queue's state, for the Sources panel.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct QueueView {
    pub id: String,
    pub queue: String,
    pub format: Format,
    pub paused: bool,
    pub status: QueueStatus,
    /// Set by `EVENTDESK_AMQP_*`: the panel cannot change it.
    pub from_environment: bool,
}

/// Everything the Sources panel shows.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SourcesStatus {
    pub http: HttpStatus,
    pub queues: Vec<QueueView>,
    /// Whether secrets are in the system's credential store (else only for this session).
    pub secrets_kept: bool,
    /// Every sender heard, the silent ones first (as of the status).
    pub senders: Vec<eventdesk_core::model::Sender>,
}

/// The least time between two pushes of the Sources panel that only its sources' activity
/// (counts, rates, rejections) would change: a flood of messages or rejections is shown at
/// this pace, while a change of state (connected, offline, a setting) goes at once.
pub const ACTIVITY_PUSH_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

impl SourcesStatus {
    /// Whether `now` is to be pushed, `last` having been pushed `since` ago.
    pub fn push_due(
        last: Option<&SourcesStatus>,
        now: &SourcesStatus,
        since: std::time::Duration,
    ) -> bool {
        let Some(last) = last else { return true };
        if last == now {
            return false;
        }
        last.without_activity() != now.without_activity() || since >= ACTIVITY_PUSH_EVERY
    }

    fn without_activity(&self) -> SourcesStatus {
        let mut quiet = self.clone();
        quiet.http.activity = Activity::default();
        for q in &mut quiet.queues {
            q.status.activity = Activity::default();
        }
        // Who is heard moves all the time; who is silent is a change of state.
        for s in &mut quiet.senders {
            (s.last_at, s.heard, s.gap_ms, s.spread_ms) = (0, 0, None, None);
        }
        quiet
    }
}

/// What the environment sets up.
#[derive(Debug, Clone, Default)]
pub struct FromEnvironment {
    /// `EVENTDESK_HTTP_LISTEN`: `PORT` or `ADDRESS:PORT` (port 0: any free port).
    pub http_listen: Option<SocketAddr>,
    /// `EVENTDESK_HTTP_ALLOW_REMOTE=1`: listen on an address other than loopback.
    pub http_allow_remote: bool,
    /// `EVENTDESK_HTTP_ALLOW_ORIGINS`: web pages allowed to send (comma-separated origins).
    pub http_allow_origins: Vec<String>,
    pub http_token: Option<String>,
    pub queue: Option<(QueueSource, Format)>,
}

/// `PORT` (on 127.0.0.1) or `ADDRESS:PORT`.
fn listen_address(text: &str) -> Option<SocketAddr> {
    let text = text.trim();
    match text.parse::<u16>() {
        Ok(port) => Some(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)),
        Err(_) => text.parse().ok(),
    }
}

impl FromEnvironment {
    /// Reads `EVENTDESK_HTTP_*` and `EVENTDESK_AMQP_*` through `var`; a value that does not
    /// parse is a warning and is left out.
    pub fn read(var: &impl Fn(&str) -> Option<String>) -> (FromEnvironment, Vec<String>) {
        let mut notes = Vec::new();
        let mut env = FromEnvironment::default();
        let given = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        if let Some(listen) = given("EVENTDESK_HTTP_LISTEN") {
            match listen_address(&listen) {
                Some(address) => env.http_listen = Some(address),
                None => notes.push(format!(
                    "EVENTDESK_HTTP_LISTEN must be PORT or ADDRESS:PORT (e.g. 127.0.0.1:8095), \
                     got {listen:?}; the HTTP endpoint is as set in Sources"
                )),
            }
        }
        env.http_allow_remote = given("EVENTDESK_HTTP_ALLOW_REMOTE").as_deref() == Some("1");
        env.http_allow_origins = given("EVENTDESK_HTTP_ALLOW_ORIGINS")
            .map(|text| crate::http::HttpConfig::origins_from(&text))
            .unwrap_or_default();
        env.http_token = given("EVENTDESK_HTTP_TOKEN");
        if let (Some(url), Some(queue)) =
            (given("EVENTDESK_AMQP_URL"), given("EVENTDESK_AMQP_QUEUE"))
        {
            let kind = match given("EVENTDESK_AMQP_KIND").as_deref() {
                None | Some("stream") => Some(QueueKind::Stream),
                Some("queue") => Some(QueueKind::Queue),
                Some(other) => {
                    notes.push(format!(
                        "EVENTDESK_AMQP_KIND must be stream or queue, got {other:?}; the queue \
                         from the environment is not read"
                    ));
                    None
                }
            };
            if let Some(kind) = kind {
                let source =
                    Broker::parse(&url, given(PASSWORD_VAR).as_deref()).map(|broker| QueueSource {
                        broker,
                        queue,
                        kind,
                    });
                match source.and_then(|s| s.validate().map(|()| s)) {
                    Ok(source) => env.queue = Some((source, Format::Auto)),
                    Err(e) => notes.push(format!(
                        "EVENTDESK_AMQP_URL and EVENTDESK_AMQP_QUEUE: {e}; not read"
                    )),
                }
            }
        }
        (env, notes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use eventdesk_core::services::ingest::Outcome;
    use std::time::Duration;

    fn status(enabled: bool) -> SourcesStatus {
        SourcesStatus {
            http: HttpStatus {
                enabled,
                port: 8095,
                listening: None,
                error: None,
                activity: Activity::default(),
                from_environment: false,
            },
            queues: vec![],
            secrets_kept: true,
            senders: vec![],
        }
    }

    #[test]
    fn activity_is_pushed_once_a_second_and_a_change_of_state_at_once() {
        let first = status(false);
        assert!(SourcesStatus::push_due(None, &first, Duration::ZERO));
        assert!(!SourcesStatus::push_due(
            Some(&first),
            &first,
            Duration::from_secs(9)
        ));
        // A flood of rejections: counts change all the time.
        let mut busy = first.clone();
        let rejected = Outcome::Rejected(eventdesk_core::Error::invalid("body", "is not JSON"));
        busy.http.activity.record(1_000, &[rejected], &[]);
        assert!(!SourcesStatus::push_due(
            Some(&first),
            &busy,
            Duration::from_millis(250)
        ));
        assert!(SourcesStatus::push_due(
            Some(&first),
            &busy,
            ACTIVITY_PUSH_EVERY
        ));
        // Turned on: at once.
        let mut on = busy.clone();
        on.http.enabled = true;
        assert!(SourcesStatus::push_due(Some(&busy), &on, Duration::ZERO));
    }
}
