//! Which team a desk is in: from the environment (`EVENTDESK_TEAM_STREAM` and its companions)
//! or as saved from the Team panel (the `team` setting, its URL in the credential store),
//! joined at the next start.

use crate::secrets::Secrets;
use eventdesk_core::services::team;
use eventdesk_core::{Actor, Error, Store};
use eventdesk_sources::amqp::{QueueKind, QueueSource};
use serde::Serialize;
use specta::Type;

/// The setting the team to join is saved under (without the URL, which is a secret).
const SETTING: &str = "team";
/// The credential store's name for the team's RabbitMQ URL.
const URL_SECRET: &str = "team-url";

/// Where the team is and who this desk is.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TeamConfig {
    pub url: String,
    pub stream: String,
    pub operator: String,
    pub desk: String,
}

impl TeamConfig {
    /// Team mode as the environment asks: `None` without `EVENTDESK_TEAM_STREAM`; an error
    /// (shown to the operator; the desk then works alone) when a setting is missing or bad.
    pub fn from_env(var: &impl Fn(&str) -> Option<String>) -> Result<Option<TeamConfig>, Error> {
        let given = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        let Some(stream) = given("EVENTDESK_TEAM_STREAM") else {
            return Ok(None);
        };
        let url = given("EVENTDESK_AMQP_URL").ok_or_else(|| {
            Error::invalid(
                "EVENTDESK_AMQP_URL",
                "team mode needs the team's RabbitMQ URL",
            )
        })?;
        let operator = given("EVENTDESK_OPERATOR")
            .or_else(|| given("USER"))
            .or_else(|| given("USERNAME"))
            .unwrap_or_else(|| "operator".into());
        let desk = given("EVENTDESK_DESK").unwrap_or_else(|| "desk".into());
        let config = TeamConfig {
            url,
            stream,
            operator,
            desk,
        };
        config.validate()?;
        Ok(Some(config))
    }

    /// Team mode as the environment asks or, without `EVENTDESK_TEAM_STREAM`, as saved in
    /// the Team panel (its URL from the credential store).
    pub fn resolve(
        var: &impl Fn(&str) -> Option<String>,
        store: &Store,
        secrets: &Secrets,
    ) -> Result<Option<TeamConfig>, Error> {
        if let Some(config) = TeamConfig::from_env(var)? {
            return Ok(Some(config));
        }
        let Some(setup) = saved_setup(store)? else {
            return Ok(None);
        };
        let url = secrets.get(URL_SECRET)?.ok_or_else(|| {
            Error::invalid(
                "url",
                format!(
                    "the RabbitMQ URL for the team {} is not in the credential store; give it \
                     again in the Team panel",
                    setup.stream
                ),
            )
        })?;
        let config = TeamConfig {
            url,
            stream: setup.stream,
            operator: setup.operator,
            desk: setup.desk,
        };
        config.validate()?;
        Ok(Some(config))
    }

    /// A URL RabbitMQ's clients take, a stream name a team takes, an operator's and a desk's
    /// name.
    pub fn validate(&self) -> Result<(), Error> {
        self.source().validate()?;
        team::check_stream(&self.stream)?;
        Actor::operator(&self.operator).map_err(|e| Error::invalid("operator", e))?;
        Actor::source(&self.desk).map_err(|e| Error::invalid("desk", e))?;
        Ok(())
    }

    /// The team's stream as a queue to consume.
    pub(super) fn source(&self) -> QueueSource {
        QueueSource {
            url: self.url.clone(),
            queue: self.stream.clone(),
            kind: QueueKind::Stream,
        }
    }
}

/// The team this desk joins at its next start, as saved: the URL without its password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TeamSetup {
    pub stream: String,
    pub operator: String,
    pub desk: String,
    pub shown_url: String,
}

/// The saved team setup, if any.
pub fn saved_setup(store: &Store) -> Result<Option<TeamSetup>, Error> {
    Ok(store.load_setting::<Option<TeamSetup>>(SETTING)?.flatten())
}

/// Saves `config` as the team to join at the next start (its URL in the credential store,
/// the rest in the settings), or with `None` forgets the team. Nothing is saved when a field
/// is wrong.
pub fn save_setup(
    store: &Store,
    secrets: &Secrets,
    config: Option<TeamConfig>,
) -> Result<Option<TeamSetup>, Error> {
    let Some(config) = config else {
        store.save_setting::<Option<TeamSetup>>(SETTING, &None)?;
        secrets.delete(URL_SECRET)?;
        return Ok(None);
    };
    config.validate()?;
    let setup = TeamSetup {
        shown_url: config.source().shown_url(),
        stream: config.stream,
        operator: config.operator,
        desk: config.desk,
    };
    secrets.set(URL_SECRET, &config.url)?;
    store.save_setting(SETTING, &Some(setup.clone()))?;
    Ok(Some(setup))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: failing loudly is the point

    use super::*;
    use eventdesk_core::{CommitFeed, SystemClock};
    use std::sync::Arc;

    fn config(stream: &str) -> TeamConfig {
        TeamConfig {
            url: "amqp://desk:s3cret@mq.example:5672/%2f".into(),
            stream: stream.into(),
            operator: "alice".into(),
            desk: "alice-laptop".into(),
        }
    }

    #[test]
    fn a_saved_team_is_joined_at_the_next_start_and_the_environment_comes_first() {
        let dir = tempfile::tempdir().unwrap();
        let (feed, _rx) = CommitFeed::new();
        let store = Store::open(&dir.path().join("desk.db"), feed, Arc::new(SystemClock)).unwrap();
        let secrets = Secrets::session();
        let none = |_: &str| None;
        assert_eq!(TeamConfig::resolve(&none, &store, &secrets).unwrap(), None);

        // A bad field saves nothing.
        let refused = save_setup(&store, &secrets, Some(config("has space"))).unwrap_err();
        assert!(matches!(refused, Error::InvalidInput { ref field, .. } if field == "stream"));
        assert_eq!(saved_setup(&store).unwrap(), None);

        let saved = save_setup(&store, &secrets, Some(config("team-ops")))
            .unwrap()
            .unwrap();
        // The settings never hold the password.
        assert_eq!(saved.shown_url, "amqp://desk@mq.example:5672/%2f");
        assert_eq!(saved_setup(&store).unwrap(), Some(saved));
        assert_eq!(
            TeamConfig::resolve(&none, &store, &secrets).unwrap(),
            Some(config("team-ops"))
        );
        let env = |name: &str| match name {
            "EVENTDESK_TEAM_STREAM" => Some("other".to_owned()),
            "EVENTDESK_AMQP_URL" => Some("amqp://guest:guest@127.0.0.1:5672/%2f".to_owned()),
            _ => None,
        };
        let from_env = TeamConfig::resolve(&env, &store, &secrets)
            .unwrap()
            .unwrap();
        assert_eq!(from_env.stream, "other");

        // Without its URL (a session that ended) the saved team says what to do.
        let missing = TeamConfig::resolve(&none, &store, &Secrets::session()).unwrap_err();
        assert!(
            missing
                .to_string()
                .contains("give it again in the Team panel"),
            "{missing}"
        );

        assert_eq!(save_setup(&store, &secrets, None).unwrap(), None);
        assert_eq!(TeamConfig::resolve(&none, &store, &secrets).unwrap(), None);
        assert_eq!(secrets.get(URL_SECRET).unwrap(), None);
    }
}
