//! What the broker-backed CLI tests share: the tool, the test broker, and a run with input.
#![allow(dead_code)] // each test binary uses its own part

use std::io::Write;
use std::process::{Command, Output, Stdio};

pub fn cli() -> Command {
    Command::new(env!("CARGO_BIN_EXE_eventdesk-cli"))
}

pub fn broker() -> String {
    std::env::var("EVENTDESK_TEST_AMQP").unwrap_or_else(|_| {
        panic!("EVENTDESK_TEST_AMQP is not set: start a broker with `eval \"$(bash scripts/rabbitmq.sh start)\"`")
    })
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
