//! Where RabbitMQ is: one URL, or several nodes of one cluster tried in turn, with the
//! password kept out of every URL that is shown and out of command lines.
//!
//! The text form is URLs separated by commas or spaces; a URL without a password takes the
//! one given apart (`EVENTDESK_AMQP_PASSWORD`, the credential store). Connections ask for a
//! heartbeat every [`HEARTBEAT_S`] seconds (RabbitMQ proposes 60), so a node that stops
//! answering without closing its sockets is noticed in seconds, and give up connecting after
//! [`CONNECT_TIMEOUT_MS`].

use eventdesk_core::error::{Error, Result};
use lapin::uri::AMQPUri;
use lapin::{Connection, ConnectionProperties};
use std::fmt;
use std::time::Duration;

/// Seconds between heartbeats asked for.
pub const HEARTBEAT_S: u16 = 3;
/// How long one attempt to connect to one node may take, handshake included.
pub const CONNECT_TIMEOUT_MS: u64 = 5_000;
/// The most URLs one broker takes.
const MAX_URLS: usize = 16;

/// The environment variable holding the broker's URL(s).
pub const URL_VAR: &str = "EVENTDESK_AMQP_URL";
/// The environment variable holding the password for URLs without one.
pub const PASSWORD_VAR: &str = "EVENTDESK_AMQP_PASSWORD";

/// One RabbitMQ cluster, by the URLs of its nodes.
#[derive(Clone, PartialEq, Eq)]
pub struct Broker {
    nodes: Vec<Node>,
}

#[derive(Clone, PartialEq, Eq)]
struct Node {
    uri: AMQPUri,
    /// The URL without its password.
    shown: String,
}

impl fmt::Debug for Broker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Broker({})", self.shown())
    }
}

impl Broker {
    /// The broker at `text` (URLs separated by commas or spaces); `password` is used for the
    /// URLs that carry none.
    pub fn parse(text: &str, password: Option<&str>) -> Result<Broker> {
        let pieces: Vec<&str> = text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|p| !p.is_empty())
            .collect();
        if pieces.is_empty() {
            return Err(Error::invalid(
                "url",
                "no RabbitMQ URL given (amqp://user@host:5672/%2f)",
            ));
        }
        if pieces.len() > MAX_URLS {
            return Err(Error::invalid(
                "url",
                format!("at most {MAX_URLS} URLs, got {}", pieces.len()),
            ));
        }
        let nodes = pieces
            .into_iter()
            .map(|piece| Node::parse(piece, password))
            .collect::<Result<Vec<_>>>()?;
        let user = &nodes[0].uri.authority.userinfo.username;
        if nodes
            .iter()
            .any(|n| n.uri.authority.userinfo.username != *user)
        {
            return Err(Error::invalid(
                "url",
                "every URL of one broker names the same user",
            ));
        }
        Ok(Broker { nodes })
    }

    /// The broker a command names: `--amqp` (which must not carry a password: a command line
    /// is visible to every user of the machine) or else `EVENTDESK_AMQP_URL`, with the password
    /// from `EVENTDESK_AMQP_PASSWORD` for URLs without one.
    pub fn for_command(
        argument: Option<&str>,
        var: impl Fn(&str) -> Option<String>,
    ) -> Result<Broker> {
        let password = var(PASSWORD_VAR).filter(|p| !p.is_empty());
        match argument {
            Some(text) => {
                if text
                    .split(|c: char| c == ',' || c.is_whitespace())
                    .any(|piece| url::Url::parse(piece).is_ok_and(|u| u.password().is_some()))
                {
                    return Err(Error::invalid(
                        "amqp",
                        format!(
                            "a password on the command line is visible to every user of this \
                             machine; leave it out of --amqp and set {PASSWORD_VAR} (or give the \
                             whole URL in {URL_VAR})"
                        ),
                    ));
                }
                Broker::parse(text, password.as_deref())
            }
            None => match var(URL_VAR).filter(|u| !u.trim().is_empty()) {
                Some(text) => Broker::parse(&text, password.as_deref()),
                None => Err(Error::invalid(
                    "amqp",
                    format!("no broker: give --amqp URL or set {URL_VAR}"),
                )),
            },
        }
    }

    /// The user every connection logs in as: the one RabbitMQ proves on what it publishes.
    pub fn user(&self) -> &str {
        &self.nodes[0].uri.authority.userinfo.username
    }

    /// Where it is, as bookkeeping tells brokers apart: its virtual host and its nodes
    /// (`host:port`, sorted): `VHOST@host-a:5672,host-b:5672`.
    pub fn identity(&self) -> String {
        let mut hosts: Vec<String> = self.nodes.iter().map(|n| n.host().to_lowercase()).collect();
        hosts.sort();
        hosts.dedup();
        format!("{}@{}", self.nodes[0].uri.vhost, hosts.join(","))
    }

    /// The URLs without their passwords, for messages and logs.
    pub fn shown(&self) -> String {
        self.nodes
            .iter()
            .map(|n| n.shown.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// How many nodes it names.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// Connects to the first node that answers, starting with node `start` (the one that
    /// worked last) and going round the others; `Err` with every node's failure when none
    /// does. Returns the connection and the node's index.
    pub async fn connect(&self, name: &str, start: usize) -> Result<(Connection, usize)> {
        let mut failures = Vec::new();
        for i in 0..self.nodes.len() {
            let at = (start + i) % self.nodes.len();
            let node = &self.nodes[at];
            let properties = ConnectionProperties::default().with_connection_name(name.into());
            // A node that hangs accepts the TCP connection (its kernel does) and says nothing:
            // the whole handshake has a deadline.
            let connecting = Connection::connect_uri(node.uri.clone(), properties);
            match tokio::time::timeout(Duration::from_millis(CONNECT_TIMEOUT_MS), connecting).await
            {
                Ok(Ok(conn)) => return Ok((conn, at)),
                Ok(Err(e)) => failures.push(format!("{}: {e}", node.host())),
                Err(_) => failures.push(format!(
                    "{}: no answer within {} s",
                    node.host(),
                    CONNECT_TIMEOUT_MS / 1_000
                )),
            }
        }
        let message = failures.join("; ");
        Err(amqp_message(message))
    }

    /// The node `at`, as shown (no password).
    pub fn node(&self, at: usize) -> &str {
        self.nodes.get(at).map_or("", |n| n.shown.as_str())
    }
}

fn amqp_message(message: String) -> Error {
    Error::Unreachable {
        what: "RabbitMQ".into(),
        message,
    }
}

impl Node {
    fn parse(text: &str, password: Option<&str>) -> Result<Node> {
        let mut url = url::Url::parse(text)
            .map_err(|e| Error::invalid("url", format!("{text:?} is not a URL: {e}")))?;
        if !matches!(url.scheme(), "amqp" | "amqps") {
            return Err(Error::invalid(
                "url",
                "must start with amqp:// or amqps:// (e.g. amqp://user@host:5672/%2f)",
            ));
        }
        let mut shown = url.clone();
        let _ = shown.set_password(None);
        if url.password().is_none() {
            if let Some(password) = password {
                url.set_password(Some(password))
                    .map_err(|()| Error::invalid("url", "cannot take a password"))?;
            }
        }
        let mut uri: AMQPUri = url
            .as_str()
            .parse()
            .map_err(|e| Error::invalid("url", format!("is not an AMQP URL: {e}")))?;
        uri.query.heartbeat.get_or_insert(HEARTBEAT_S);
        uri.query
            .connection_timeout
            .get_or_insert(CONNECT_TIMEOUT_MS);
        Ok(Node {
            uri,
            shown: shown.to_string(),
        })
    }

    fn host(&self) -> String {
        format!("{}:{}", self.uri.authority.host, self.uri.authority.port)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)] // test code: failing loudly is the point

    use super::*;

    #[test]
    fn a_brokers_identity_is_its_vhost_and_its_nodes_in_any_order() {
        let a = Broker::parse("amqp://u@B:5672/%2f, amqp://u@a:5673/%2f", None).unwrap();
        let b = Broker::parse("amqp://u@a:5673/%2f amqp://u@b:5672/%2f", None).unwrap();
        assert_eq!(a.identity(), "/@a:5673,b:5672");
        assert_eq!(a.identity(), b.identity());
        let other_vhost = Broker::parse("amqp://u@a:5673/prod", None).unwrap();
        assert_eq!(other_vhost.identity(), "prod@a:5673");
    }

    fn env<'a>(pairs: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |name| {
            pairs
                .iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        }
    }

    #[test]
    fn several_urls_one_user_and_no_password_shown_or_taken_from_the_command_line() {
        let b = Broker::parse(
            "amqp://alice@mq-1:5672/%2f, amqp://alice@mq-2:5673/%2f",
            Some("s3cret"),
        )
        .unwrap();
        assert_eq!(b.len(), 2);
        assert_eq!(b.user(), "alice");
        assert_eq!(
            b.shown(),
            "amqp://alice@mq-1:5672/%2f, amqp://alice@mq-2:5673/%2f"
        );
        assert!(!format!("{b:?}").contains("s3cret"));
        assert_eq!(b.nodes[1].uri.authority.userinfo.password, "s3cret");
        assert_eq!(b.nodes[1].uri.query.heartbeat, Some(HEARTBEAT_S));

        // A password in --amqp is refused with a pointer to the variable; the variable's URL
        // may carry one.
        let e = Broker::for_command(Some("amqp://alice:s3cret@mq-1/%2f"), env(&[])).unwrap_err();
        assert!(e.to_string().contains(PASSWORD_VAR), "{e}");
        let b =
            Broker::for_command(None, env(&[(URL_VAR, "amqp://bob:pw@mq-1:5672/%2f")])).unwrap();
        assert_eq!(b.user(), "bob");
        assert_eq!(b.shown(), "amqp://bob@mq-1:5672/%2f");
        let b = Broker::for_command(
            Some("amqp://bob@mq-1:5672/%2f"),
            env(&[(PASSWORD_VAR, "pw")]),
        )
        .unwrap();
        assert_eq!(b.nodes[0].uri.authority.userinfo.password, "pw");

        for bad in [
            "",
            "http://mq-1/",
            "amqp://alice@mq-1/%2f amqp://bob@mq-2/%2f",
            "not a url",
        ] {
            assert!(Broker::parse(bad, None).is_err(), "{bad}");
        }
        assert!(Broker::for_command(None, env(&[])).is_err());
    }
}
