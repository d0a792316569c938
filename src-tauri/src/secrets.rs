//! Where secrets are kept: the HTTP endpoint's token and RabbitMQ URLs with their passwords.
//! The system's credential store (Secret Service on Linux, Keychain on macOS, Credential
//! Manager on Windows, through `keyring`) when there is one; otherwise only for this session,
//! in memory, and the operator is told so. Never in the database or the settings.

use eventdesk_core::Error;
use parking_lot::Mutex;
use std::collections::HashMap;

/// The credential store's service name for Eventdesk's entries.
const SERVICE: &str = "eventdesk";

pub enum Secrets {
    /// The system's credential store.
    System,
    /// No credential store could be reached: kept in memory until Eventdesk exits.
    Session(Mutex<HashMap<String, String>>),
}

impl Secrets {
    /// The system's store when it answers, else a session store and why.
    pub fn open() -> (Secrets, Option<String>) {
        match keyring::Entry::store_status() {
            Ok(()) => (Secrets::System, None),
            Err(e) => {
                tracing::warn!(error = %e, "no credential store: secrets last only this session");
                (
                    Secrets::session(),
                    Some(format!(
                        "No system credential store could be reached ({e}): tokens and RabbitMQ \
                         passwords are kept only until Eventdesk exits."
                    )),
                )
            }
        }
    }

    pub fn session() -> Secrets {
        Secrets::Session(Mutex::new(HashMap::new()))
    }

    pub fn is_system(&self) -> bool {
        matches!(self, Secrets::System)
    }

    pub fn get(&self, name: &str) -> Result<Option<String>, Error> {
        match self {
            Secrets::System => match entry(name)?.get_password() {
                Ok(secret) => Ok(Some(secret)),
                Err(keyring::Error::NoEntry) => Ok(None),
                Err(e) => Err(failed("read", name, &e)),
            },
            Secrets::Session(map) => Ok(map.lock().get(name).cloned()),
        }
    }

    pub fn set(&self, name: &str, secret: &str) -> Result<(), Error> {
        match self {
            Secrets::System => entry(name)?
                .set_password(secret)
                .map_err(|e| failed("save", name, &e)),
            Secrets::Session(map) => {
                map.lock().insert(name.to_owned(), secret.to_owned());
                Ok(())
            }
        }
    }

    pub fn delete(&self, name: &str) -> Result<(), Error> {
        match self {
            Secrets::System => match entry(name)?.delete_credential() {
                Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
                Err(e) => Err(failed("delete", name, &e)),
            },
            Secrets::Session(map) => {
                map.lock().remove(name);
                Ok(())
            }
        }
    }
}

impl eventdesk_sources::desk::SecretStore for Secrets {
    fn get(&self, name: &str) -> Result<Option<String>, Error> {
        Secrets::get(self, name)
    }

    fn set(&self, name: &str, secret: &str) -> Result<(), Error> {
        Secrets::set(self, name, secret)
    }

    fn delete(&self, name: &str) -> Result<(), Error> {
        Secrets::delete(self, name)
    }

    fn is_system(&self) -> bool {
        Secrets::is_system(self)
    }
}

fn entry(name: &str) -> Result<keyring::Entry, Error> {
    keyring::Entry::new(SERVICE, name).map_err(|e| failed("open", name, &e))
}

fn failed(what: &str, name: &str, e: &keyring::Error) -> Error {
    Error::storage(format!(
        "cannot {what} the secret {name:?} in the credential store: {e}"
    ))
}
