//! Which team a desk is in: from the environment (`EVENTDESK_TEAM`, the join string
//! `STREAM/ADMIN`, with `EVENTDESK_AMQP_URL`, `EVENTDESK_AMQP_PASSWORD` and `EVENTDESK_DESK`) or
//! as saved from the Team panel (the `team` setting; the password in the credential store),
//! joined at the next start. The desk acts as the broker user it logs in as.

use crate::amqp::{Broker, PASSWORD_VAR, URL_VAR};
use crate::desk::SecretStore;
use crate::team::TeamConfig;
use eventdesk_core::services::team::TeamRef;
use eventdesk_core::{Error, Store};
use serde::Serialize;
use specta::Type;

/// The setting the team to join is saved under (without the password, which is a secret).
const SETTING: &str = "team";
/// The credential store's name for the team's RabbitMQ password.
const PASSWORD_SECRET: &str = "team-password";
/// The environment variable naming the team to join.
const TEAM_VAR: &str = "EVENTDESK_TEAM";

/// A team to join, as the Team panel gives it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TeamJoin {
    /// The broker's node URLs, comma-separated, without a password.
    pub urls: String,
    /// The password of the URLs' user (kept in the credential store).
    pub password: String,
    /// The join string: `STREAM/ADMIN`.
    pub team: String,
    pub desk: String,
}

/// The team this desk joins at its next start, as saved: the URLs without a password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct TeamSetup {
    pub team: String,
    pub desk: String,
    pub urls: String,
    /// The broker user the desk acts as.
    pub user: String,
}

impl TeamSetup {
    fn config(&self, password: Option<&str>) -> Result<TeamConfig, Error> {
        let config = TeamConfig {
            broker: Broker::parse(&self.urls, password)?,
            team: self.team.parse::<TeamRef>()?,
            desk: self.desk.clone(),
        };
        config.validate()?;
        Ok(config)
    }
}

/// Team mode as the environment asks: `None` without `EVENTDESK_TEAM`; an error (shown to the
/// operator; the desk then works alone) when a setting is missing or bad.
fn from_env(var: &impl Fn(&str) -> Option<String>) -> Result<Option<TeamConfig>, Error> {
    let given = |name: &str| var(name).filter(|v| !v.trim().is_empty());
    let Some(team) = given(TEAM_VAR) else {
        return Ok(None);
    };
    let urls = given(URL_VAR)
        .ok_or_else(|| Error::invalid(URL_VAR, "team mode needs the team's RabbitMQ URL(s)"))?;
    let config = TeamConfig {
        broker: Broker::parse(&urls, given(PASSWORD_VAR).as_deref())?,
        team: team.parse::<TeamRef>()?,
        desk: given("EVENTDESK_DESK").unwrap_or_else(|| "desk".into()),
    };
    config.validate()?;
    Ok(Some(config))
}

/// Team mode as the environment asks or, without `EVENTDESK_TEAM`, as saved in the Team panel
/// (its password from the credential store).
pub fn resolve(
    var: &impl Fn(&str) -> Option<String>,
    store: &Store,
    secrets: &dyn SecretStore,
) -> Result<Option<TeamConfig>, Error> {
    if let Some(config) = from_env(var)? {
        return Ok(Some(config));
    }
    let Some(setup) = saved_setup(store)? else {
        return Ok(None);
    };
    let password = secrets.get(PASSWORD_SECRET)?.ok_or_else(|| {
        Error::invalid(
            "password",
            format!(
                "the RabbitMQ password for the team {} is not in the credential store; give it \
                 again in the Team panel",
                setup.team
            ),
        )
    })?;
    setup.config(Some(&password)).map(Some)
}

/// The saved team setup, if any.
pub fn saved_setup(store: &Store) -> Result<Option<TeamSetup>, Error> {
    Ok(store.load_setting::<Option<TeamSetup>>(SETTING)?.flatten())
}

/// Saves `join` as the team to join at the next start (its password in the credential store,
/// the rest in the settings), or with `None` forgets the team. Nothing is saved when a field
/// is wrong, or when a URL carries a password (it has a field of its own).
pub fn save_setup(
    store: &Store,
    secrets: &dyn SecretStore,
    join: Option<TeamJoin>,
) -> Result<Option<TeamSetup>, Error> {
    let Some(join) = join else {
        store.save_setting::<Option<TeamSetup>>(SETTING, &None)?;
        secrets.delete(PASSWORD_SECRET)?;
        return Ok(None);
    };
    // The URLs are saved as shown: a password in them would be saved in the clear.
    Broker::for_command(Some(&join.urls), |_| None).map_err(|e| match e {
        Error::InvalidInput { message, .. } if message.contains("password") => Error::invalid(
            "urls",
            "leave the password out of the URLs: it has a field of its own",
        ),
        e => e,
    })?;
    let broker = Broker::parse(&join.urls, Some(&join.password))?;
    let setup = TeamSetup {
        team: join.team.trim().to_owned(),
        desk: join.desk.trim().to_owned(),
        urls: broker.shown(),
        user: broker.user().to_owned(),
    };
    setup.config(Some(&join.password))?;
    secrets.set(PASSWORD_SECRET, &join.password)?;
    store.save_setting(SETTING, &Some(setup.clone()))?;
    Ok(Some(setup))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: failing loudly is the point

    use super::*;
    use eventdesk_core::{CommitFeed, SystemClock};
    use parking_lot::Mutex;
    use std::collections::HashMap;
    use std::sync::Arc;

    /// Secrets kept for the test only.
    #[derive(Default)]
    struct Memory(Mutex<HashMap<String, String>>);

    impl SecretStore for Memory {
        fn get(&self, name: &str) -> Result<Option<String>, Error> {
            Ok(self.0.lock().get(name).cloned())
        }
        fn set(&self, name: &str, secret: &str) -> Result<(), Error> {
            self.0.lock().insert(name.into(), secret.into());
            Ok(())
        }
        fn delete(&self, name: &str) -> Result<(), Error> {
            self.0.lock().remove(name);
            Ok(())
        }
        fn is_system(&self) -> bool {
            false
        }
    }

    fn join(team: &str) -> TeamJoin {
        TeamJoin {
            urls: "amqp://alice@mq-1.example:5672/%2f, amqp://alice@mq-2.example:5672/%2f".into(),
            password: "s3cret".into(),
            team: team.into(),
            desk: "alice-laptop".into(),
        }
    }

    #[test]
    fn a_saved_team_is_joined_at_the_next_start_and_the_environment_comes_first() {
        let dir = tempfile::tempdir().unwrap();
        let (feed, _rx) = CommitFeed::new();
        let store = Store::open(&dir.path().join("desk.db"), feed, Arc::new(SystemClock)).unwrap();
        let secrets = Memory::default();
        let none = |_: &str| None;
        assert_eq!(resolve(&none, &store, &secrets).unwrap(), None);

        // A bad field saves nothing; nor does a password in the URLs.
        let refused = save_setup(&store, &secrets, Some(join("has space/alice"))).unwrap_err();
        assert!(matches!(refused, Error::InvalidInput { ref field, .. } if field == "stream"));
        let mut with_password = join("ops/alice");
        with_password.urls = "amqp://alice:s3cret@mq-1.example:5672/%2f".into();
        let refused = save_setup(&store, &secrets, Some(with_password)).unwrap_err();
        assert!(
            refused.to_string().contains("field of its own"),
            "{refused}"
        );
        assert_eq!(saved_setup(&store).unwrap(), None);

        let saved = save_setup(&store, &secrets, Some(join("ops/alice")))
            .unwrap()
            .unwrap();
        // The settings never hold the password; the desk acts as the URLs' user.
        assert_eq!(
            saved.urls,
            "amqp://alice@mq-1.example:5672/%2f, amqp://alice@mq-2.example:5672/%2f"
        );
        assert_eq!(saved.user, "alice");
        assert_eq!(saved_setup(&store).unwrap(), Some(saved));
        let joined = resolve(&none, &store, &secrets).unwrap().unwrap();
        assert_eq!(joined.team.to_string(), "ops/alice");
        assert_eq!(joined.broker.len(), 2);
        assert_eq!(joined.operator(), "alice");

        let env = |name: &str| match name {
            "EVENTDESK_TEAM" => Some("other/bob".to_owned()),
            "EVENTDESK_AMQP_URL" => Some("amqp://bob@127.0.0.1:5672/%2f".to_owned()),
            "EVENTDESK_AMQP_PASSWORD" => Some("pw".to_owned()),
            _ => None,
        };
        let from_env = resolve(&env, &store, &secrets).unwrap().unwrap();
        assert_eq!(from_env.team.stream, "other");
        assert_eq!(from_env.operator(), "bob");

        // Without its password (a session that ended) the saved team says what to do.
        let missing = resolve(&none, &store, &Memory::default()).unwrap_err();
        assert!(
            missing
                .to_string()
                .contains("give it again in the Team panel"),
            "{missing}"
        );

        assert_eq!(save_setup(&store, &secrets, None).unwrap(), None);
        assert_eq!(resolve(&none, &store, &secrets).unwrap(), None);
        assert_eq!(secrets.get(PASSWORD_SECRET).unwrap(), None);
    }
}
