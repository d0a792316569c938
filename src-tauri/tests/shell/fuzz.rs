//! Every command the window can call, by the names and arguments of the generated bindings,
//! called 100,000 times in all with random and extreme arguments (right and wrong types, missing
//! and extra ones, well-formed and broken objects): none may panic, every failure is a typed
//! error (`AppError`) or Tauri's refusal of an argument, and the app answers afterwards.
//! Links open into a file and exports go to a fixed file (as in the other shell tests); the two
//! commands that leave the test's world (quitting, opening the file manager) are not called.

use super::{shell_with_env, Shell};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Map, Value};
use std::collections::BTreeMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

const CALLS: usize = 100_000;
/// Quits the app; opens the system's file manager.
const NOT_CALLED: [&str; 2] = ["quit_app", "open_log_folder"];

/// (command, argument names) for every command in `src/bindings.ts`.
fn commands() -> Vec<(String, Vec<String>)> {
    let bindings = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../src/bindings.ts"),
    )
    .unwrap();
    bindings
        .split("__TAURI_INVOKE(\"")
        .skip(1)
        .map(|rest| {
            let name = rest.split('"').next().unwrap().to_owned();
            let call = rest.split(')').next().unwrap();
            let args = call
                .split_once('{')
                .map(|(_, inner)| {
                    inner
                        .trim_end_matches(['}', ' '])
                        .split(',')
                        .map(|a| a.trim().to_owned())
                        .filter(|a| !a.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            (name, args)
        })
        .collect()
}

struct Gen(StdRng);

impl Gen {
    fn int(&mut self) -> Value {
        const EDGES: [i64; 10] = [i64::MIN, -1, 0, 1, 2, 50, 1_000, 65_535, 65_536, i64::MAX];
        match self.0.random_range(0..4) {
            0 => json!(EDGES[self.0.random_range(0..EDGES.len())]),
            1 => json!(self.0.random_range(-100..400)),
            2 if self.0.random_bool(0.3) => json!(self.0.random::<f64>() * 1e20),
            2 => json!([25, 50, 100, 200][self.0.random_range(0..4)]),
            _ => json!(self.0.random_range(1..60)),
        }
    }

    fn text(&mut self) -> Value {
        let texts = [
            "",
            "amqp://127.0.0.1:1/%2f",
            "http://x",
            "ops/alice",
            "a b",
            "pagerduty",
            "source:x",
            "\u{0}\n\"'<script>",
        ];
        match self.0.random_range(0..3) {
            0 => json!("x".repeat(self.0.random_range(0..5_000))),
            _ => json!(texts[self.0.random_range(0..texts.len())]),
        }
    }

    /// Any JSON value, nested up to `depth`.
    fn any(&mut self, depth: u32) -> Value {
        match self.0.random_range(0..if depth == 0 { 5 } else { 7 }) {
            0 => Value::Null,
            1 => json!(self.0.random_bool(0.5)),
            2 => self.int(),
            3 | 4 => self.text(),
            5 => Value::Array(
                (0..self.0.random_range(0..4))
                    .map(|_| self.any(depth - 1))
                    .collect(),
            ),
            _ => {
                let keys = [
                    "page", "pageSize", "filter", "search", "id", "groups", "rate", "running",
                ];
                Value::Object(
                    (0..self.0.random_range(0..4))
                        .map(|_| {
                            let key = keys[self.0.random_range(0..keys.len())].to_owned();
                            (key, self.any(depth - 1))
                        })
                        .collect(),
                )
            }
        }
    }

    fn pick(&mut self, from: &[&'static str]) -> &'static str {
        from[self.0.random_range(0..from.len())]
    }

    /// A value for argument `name`: mostly of the type it takes, sometimes anything.
    fn arg(&mut self, name: &str) -> Value {
        if self.0.random_bool(0.15) {
            return self.any(3);
        }
        match name {
            "id" | "expectedVersion" | "index" | "since" | "before" | "limit" => self.int(),
            // A time near now (either side), far off, or none (a wake).
            "until" => match self.0.random_range(0..4) {
                0 => {
                    json!(eventdesk_core::clock::now_ms() + self.0.random_range(-60_000..7_200_000))
                }
                1 => self.int(),
                _ => Value::Null,
            },
            // Never a port another test may be using: refused, or any free one.
            "port" => {
                let ports = [0, 80, 1023, 70_000, -1];
                json!(ports[self.0.random_range(0..ports.len())])
            }
            "enabled" | "paused" | "running" => json!(self.0.random_bool(0.5)),
            "url" | "queue" | "stream" => self.text(),
            "kind" => json!(["stream", "queue", "other"][self.0.random_range(0..3)]),
            "format" => json!(
                ["auto", "pagerduty", "alertmanager", "csv", "json", "x"]
                    [self.0.random_range(0..6)]
            ),
            "action" => {
                json!(["complete", "acknowledge", "reopen", "delete"][self.0.random_range(0..4)])
            }
            "query" => {
                let mut filter = json!({ "search": self.text() });
                if self.0.random_bool(0.5) {
                    filter["severities"] = json!([self.pick(&["critical", "info", "loud"])]);
                }
                if self.0.random_bool(0.3) {
                    filter["from"] = self.int();
                }
                let mut query = json!({
                    "page": self.int(),
                    "pageSize": self.int(),
                    "filter": filter,
                    "sort": { "by": self.pick(&["time", "updated", "severity", "x"]), "descending": true },
                });
                if self.0.random_bool(0.2) {
                    query["position"] = json!({ "at": self.pick(&["first", "last", "after", "middle"]), "value": self.int(), "id": self.int() });
                }
                query
            }
            "targets" => Value::Array(
                (0..self.0.random_range(0..5))
                    .map(|_| json!({ "id": self.int(), "expectedVersion": self.int() }))
                    .collect(),
            ),
            "groups" => json!({ "groups": [[self.text(), self.text()]] }),
            "draft" => json!({
                "matchers": [{
                    "name": self.pick(&["source", "kind", "label.team", "title", "host"]),
                    "op": self.pick(&["=", "!=", "=~", "!~", "<"]),
                    "value": self.text(),
                }],
                "startsAt": if self.0.random_bool(0.5) { Value::Null } else { self.int() },
                "endsAt": self.int(),
                "comment": self.text(),
            }),
            "seen" => json!({ "rows": self.int(), "id": self.int(), "version": self.int() }),
            // The preferences, or the simulator's settings (both commands call it so).
            "settings" if self.0.random_bool(0.5) => json!({
                "theme": self.pick(&["system", "light", "dark", "x"]),
                "notifications": self.0.random_bool(0.5),
                "sounds": { "critical": self.0.random_bool(0.5), "error": false, "warning": false, "info": false },
                "closeToTray": self.0.random_bool(0.5),
                "pageSize": self.int(),
                "density": self.pick(&["comfortable", "compact"]),
                "maxSilenceDays": if self.0.random_bool(0.8) { json!(30) } else { self.int() },
                "timers": {
                    "ackTimeoutMinutes": {
                        "info": null, "warning": null, "error": null,
                        "critical": if self.0.random_bool(0.5) { json!(null) } else { self.int() },
                    },
                    "expireAfterHours": if self.0.random_bool(0.5) { json!(null) } else { self.int() },
                },
            }),
            "settings" => json!({
                "running": self.0.random_bool(0.1),
                "rate": self.int(),
                "seed": self.int(),
                "newShare": self.int(),
                "overrideChance": self.any(0),
            }),
            _ => self.any(3),
        }
    }
}

#[test]
fn every_command_takes_a_hundred_thousand_random_calls_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("eventdesk.db");
    let opened = dir.path().join("opened.txt").display().to_string();
    let export = dir.path().join("export.csv").display().to_string();
    let s: Shell = shell_with_env(&path, dir, move |name| match name {
        "EVENTDESK_SIM" => Some("off".into()),
        "EVENTDESK_OPENED_LINKS" => Some(opened.clone()),
        "EVENTDESK_EXPORT_TO" => Some(export.clone()),
        _ => None,
    });
    s.seed(300);
    let commands: Vec<_> = commands()
        .into_iter()
        .filter(|(name, _)| !NOT_CALLED.contains(&name.as_str()))
        .collect();
    assert!(commands.len() >= 30, "{commands:?}");
    let mut g = Gen(StdRng::seed_from_u64(26));
    let mut outcomes: BTreeMap<String, usize> = BTreeMap::new();
    let mut panics = Vec::new();
    for call in 0..CALLS {
        let (name, args) = &commands[call % commands.len()];
        // An export writes the whole view: now and then.
        if name == "export_view" && call % 50 != 0 {
            continue;
        }
        let mut body = Map::new();
        for arg in args {
            if !g.0.random_bool(0.05) {
                body.insert(arg.clone(), g.arg(arg));
            }
        }
        if g.0.random_bool(0.05) {
            body.insert("path".into(), json!("/etc/passwd"));
        }
        match catch_unwind(AssertUnwindSafe(|| {
            s.invoke(name, Value::Object(body.clone()))
        })) {
            Err(_) => panics.push(format!("{name} {body:?}")),
            Ok(Ok(_)) => *outcomes.entry(format!("{name}: ok")).or_default() += 1,
            Ok(Err(Value::String(_))) => {
                *outcomes
                    .entry(format!("{name}: argument refused"))
                    .or_default() += 1;
            }
            Ok(Err(e)) => {
                let kind = e["type"]
                    .as_str()
                    .unwrap_or_else(|| panic!("{name} {body:?} failed without a typed error: {e}"));
                assert!(
                    !matches!(kind, "Storage" | "Corrupt"),
                    "{name} {body:?}: {e}"
                );
                *outcomes.entry(format!("{name}: {kind}")).or_default() += 1;
            }
        }
    }
    assert!(
        panics.is_empty(),
        "{} panics, the first: {:?}",
        panics.len(),
        panics.first()
    );
    // Every command was reached past its arguments, and some of each were refused.
    for (name, _) in &commands {
        assert!(
            outcomes
                .keys()
                .any(|k| k.starts_with(&format!("{name}: ")) && !k.ends_with("argument refused")),
            "{name} never ran: {outcomes:?}"
        );
    }
    assert!(s.list(1, 10).is_ok(), "the app no longer answers");
}
