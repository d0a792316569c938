//! Newline-delimited JSON messages from standard input (or any reader), one message a line:
//! `tail -F alerts.ndjson | eventdesk-cli ingest`. A thread reads lines as they come; what is
//! waiting when the previous batch is committed goes into the next one, so a slow trickle is
//! applied line by line and a file at full speed in large transactions.

use eventdesk_core::error::{Error, Result};
use eventdesk_core::services::ingest::{Counts, Delivery, Incoming, Ingester, Outcome};
use std::io::{BufRead, Read};
use std::sync::mpsc;

/// The longest line taken (the HTTP endpoint's body limit); a longer one is rejected whole.
pub const MAX_LINE: usize = 512 * 1024;
/// The most lines one transaction applies.
const BATCH: usize = 1_000;
/// How many rejected lines a report names.
pub const REJECTIONS_NAMED: usize = 100;

/// What reading a whole input did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinesReport {
    /// Lines read, blank ones included.
    pub lines: u64,
    pub counts: Counts,
    /// The first [`REJECTIONS_NAMED`] rejected lines: (line number, reason).
    pub rejected: Vec<(u64, String)>,
}

/// A line as read: its number and text, or why it was not taken.
type Line = (u64, std::result::Result<Vec<u8>, String>);

/// Reads `input` to its end, applying every non-blank line as one message with `ingester`.
/// `on_batch` hears the report so far after each commit. A storage failure stops it: the
/// lines before were committed, the failed batch was not.
pub fn ingest(
    input: impl Read + Send + 'static,
    mut ingester: Ingester,
    on_batch: impl FnMut(&LinesReport),
) -> Result<LinesReport> {
    take(input, |batch| ingester.apply(batch), on_batch)
}

/// Reads `input` to its end, handing every non-blank line as one message to `apply`, in
/// batches of what is waiting when the previous batch is done. An error from `apply` stops
/// it: the batches before were taken, the failed one was not.
pub fn take(
    input: impl Read + Send + 'static,
    mut apply: impl FnMut(&[Incoming]) -> Result<Vec<Outcome>>,
    mut on_batch: impl FnMut(&LinesReport),
) -> Result<LinesReport> {
    let (tx, rx) = mpsc::sync_channel::<Line>(BATCH * 4);
    let reader = std::thread::Builder::new()
        .name("stdin-lines".into())
        .spawn(move || read_lines(std::io::BufReader::new(input), &tx))
        .map_err(Error::from)?;
    let mut report = LinesReport::default();
    while let Ok(first) = rx.recv() {
        let mut lines = vec![first];
        while lines.len() < BATCH {
            match rx.try_recv() {
                Ok(line) => lines.push(line),
                Err(_) => break,
            }
        }
        report.lines = lines.last().map_or(report.lines, |(n, _)| *n);
        let mut batch = Vec::with_capacity(lines.len());
        let mut numbers = Vec::with_capacity(lines.len());
        let mut rejected = Vec::new();
        for (number, line) in lines {
            match line {
                Ok(body) if body.iter().all(u8::is_ascii_whitespace) => {}
                Ok(body) => {
                    numbers.push(number);
                    batch.push(Incoming::new(body, Delivery::Once));
                }
                Err(reason) => rejected.push((number, reason)),
            }
        }
        if !batch.is_empty() {
            let outcomes = apply(&batch)?;
            for (number, outcome) in numbers.into_iter().zip(&outcomes) {
                match outcome {
                    Outcome::Rejected(e) => rejected.push((number, e.to_string())),
                    other => report.counts.add(other),
                }
            }
        }
        // In line order.
        rejected.sort_by_key(|(number, _)| *number);
        for (number, reason) in rejected {
            reject(&mut report, number, reason);
        }
        on_batch(&report);
    }
    match reader.join() {
        Ok(read) => read.map(|lines| {
            report.lines = lines;
            report
        }),
        Err(_) => Err(Error::storage("the thread reading the input failed")),
    }
}

fn reject(report: &mut LinesReport, number: u64, reason: String) {
    report.counts.rejected += 1;
    if report.rejected.len() < REJECTIONS_NAMED {
        report.rejected.push((number, reason));
    }
}

/// Sends each line of `input` (without its line break) until its end; returns how many.
fn read_lines(mut input: impl BufRead, lines: &mpsc::SyncSender<Line>) -> Result<u64> {
    let mut number = 0;
    loop {
        let mut line = Vec::new();
        let read = (&mut input)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut line)
            .map_err(|e| Error::storage(format!("cannot read the input: {e}")))?;
        if read == 0 {
            return Ok(number);
        }
        number += 1;
        let ended = line.last() == Some(&b'\n');
        let taken = if !ended && line.len() > MAX_LINE {
            skip_line(&mut input)?;
            Err(format!("the line is longer than {} KB", MAX_LINE / 1024))
        } else {
            if ended {
                line.pop();
            }
            Ok(line)
        };
        if lines.send((number, taken)).is_err() {
            return Ok(number);
        }
    }
}

/// Reads past the rest of an over-long line.
fn skip_line(input: &mut impl BufRead) -> Result<()> {
    loop {
        let buffer = input
            .fill_buf()
            .map_err(|e| Error::storage(format!("cannot read the input: {e}")))?;
        if buffer.is_empty() {
            return Ok(());
        }
        match buffer.iter().position(|&b| b == b'\n') {
            Some(end) => {
                input.consume(end + 1);
                return Ok(());
            }
            None => {
                let n = buffer.len();
                input.consume(n);
            }
        }
    }
}
