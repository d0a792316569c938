//! Standard input: one message a line, each applied or named by its line number.

use crate::support::{pd_action, trigger, Desk};
use eventdesk_core::services::ingest::Format;
use eventdesk_sources::lines::{self, MAX_LINE};
use std::io::Write;
use std::time::{Duration, Instant};

#[test]
fn every_line_is_applied_or_named_with_its_reason() {
    let desk = Desk::new();
    let mut input = Vec::new();
    writeln!(input, "{}", trigger("a", "Disk full on db-1", "error")).unwrap(); // 1
    writeln!(input).unwrap(); // 2: blank
    writeln!(input, "{{broken").unwrap(); // 3
    writeln!(input, "{}", trigger("a", "Disk full on db-1", "warning")).unwrap(); // 4
    input.extend_from_slice(b"\xff\xfe not utf-8\n"); // 5
    writeln!(input, "{}", "x".repeat(MAX_LINE + 10)).unwrap(); // 6
    writeln!(input, "{}", pd_action("acknowledge", "a")).unwrap(); // 7
    write!(input, "{}", trigger("b", "CPU hot", "info")).unwrap(); // 8, no final line break
    let report = lines::ingest(
        std::io::Cursor::new(input),
        desk.ingester("stdin", Format::Auto),
        |_| {},
    )
    .unwrap();
    assert_eq!(report.lines, 8);
    assert_eq!(
        (
            report.counts.applied,
            report.counts.rejected,
            report.counts.created,
            report.counts.updated,
            report.counts.acknowledged
        ),
        (4, 3, 2, 1, 1)
    );
    let numbers: Vec<u64> = report.rejected.iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers, [3, 5, 6]);
    assert!(
        report.rejected[2].1.contains("longer than 512 KB"),
        "{:?}",
        report.rejected[2]
    );
    let rows = desk.rows();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[0].1, rows[0].2.as_str(), rows[0].3.as_str()),
        (2, "acknowledged", "source:stdin")
    );
}

#[test]
fn a_slow_trickle_is_applied_line_by_line_before_the_input_ends() {
    let desk = Desk::new();
    let (reader, mut writer) = std::io::pipe().unwrap();
    let ingester = desk.ingester("stdin", Format::PagerDuty);
    let worker = std::thread::spawn(move || lines::ingest(reader, ingester, |_| {}));
    for n in 0..3 {
        writeln!(
            writer,
            "{}",
            trigger(&format!("t{n}"), "Slow trickle", "info")
        )
        .unwrap();
        writer.flush().unwrap();
        let started = Instant::now();
        while desk.counts().0 < n + 1 {
            assert!(
                started.elapsed() < Duration::from_secs(5),
                "line {} not applied while the input is open",
                n + 1
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    drop(writer);
    let report = worker.join().unwrap().unwrap();
    assert_eq!((report.lines, report.counts.created), (3, 3));
}
