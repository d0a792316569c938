//! What the broker-backed CLI tests share: the tool, the test broker, and a run with input.
#![allow(dead_code)] // each test binary uses its own part

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// The tool, logging in to the test broker as guest when a command names it with `--amqp`
/// (the password from the environment: never on the command line).
pub fn cli() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_eventdesk-cli"));
    c.env("EVENTDESK_AMQP_PASSWORD", "guest")
        .env_remove("EVENTDESK_AMQP_URL")
        .env_remove("EVENTDESK_HTTP_TOKEN");
    c
}

/// The tool logging in as `user` (whose password is its name: scripts/rabbitmq.sh) to the
/// node(s) at `urls` (without a password), from the environment as a service would.
pub fn cli_as(user: &str, urls: &str) -> Command {
    let mut c = cli();
    c.env("EVENTDESK_AMQP_URL", as_user(urls, user))
        .env("EVENTDESK_AMQP_PASSWORD", user);
    c
}

/// `urls` (comma-separated, with or without user and password) logging in as `user`, without a
/// password.
pub fn as_user(urls: &str, user: &str) -> String {
    urls.split(',')
        .map(|u| {
            let (scheme, rest) = u.split_once("://").unwrap();
            let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
            format!("{scheme}://{user}@{host}")
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The test broker's URL, as guest, without the password.
pub fn broker() -> String {
    let url = std::env::var("EVENTDESK_TEST_AMQP").unwrap_or_else(|_| {
        panic!("EVENTDESK_TEST_AMQP is not set: start a broker with `eval \"$(bash scripts/rabbitmq.sh start)\"`")
    });
    as_user(&url, "guest")
}

/// Runs `cmd` with `input` on its standard input; its output.
pub fn with_input(cmd: &mut Command, input: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}
