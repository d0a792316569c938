//! What the broker-backed CLI tests share: the tool, the test broker, and a run with input.
#![allow(dead_code)] // each test binary uses its own part

use std::io::{Read, Write};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// How long one run of the tool may take in these tests before it is taken as hung.
pub const RUN_LIMIT: Duration = Duration::from_secs(120);

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

/// Runs `cmd` with `input` on its standard input; its output. A run that has not ended within
/// [`RUN_LIMIT`] is killed and fails the test with what it printed.
pub fn with_input(cmd: &mut Command, input: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let input = input.to_owned();
    // Written aside, so that a tool that stops reading cannot block the test.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let output = output_within(child, RUN_LIMIT, &format!("{cmd:?}"));
    let _ = writer.join();
    output
}

/// Waits for `child` (its output piped) to end within `limit`; otherwise kills it and fails
/// the test, saying what `what` printed.
pub fn output_within(mut child: Child, limit: Duration, what: &str) -> Output {
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = Vec::new();
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let status = wait_within(&mut child, limit);
    let stdout = stdout.join().unwrap();
    let stderr = stderr.join().unwrap();
    let Some(status) = status else {
        panic!(
            "{what} did not end within {limit:?}: {}{}",
            String::from_utf8_lossy(&stdout),
            String::from_utf8_lossy(&stderr)
        );
    };
    Output {
        status,
        stdout,
        stderr,
    }
}

/// Waits for `child` to end within `limit` (checking every 20 ms); kills it and gives `None`
/// when it did not.
pub fn wait_within(child: &mut Child, limit: Duration) -> Option<std::process::ExitStatus> {
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
