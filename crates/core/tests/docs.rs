//! What ARCHITECTURE.md says of the code, held against the code.

use std::collections::BTreeSet;
use std::path::Path;

fn read(relative: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(relative);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The error variants as the UI receives them: `AppError`'s `type`s in the generated bindings
/// (which the shell's `committed_bindings_are_fresh` keeps equal to the enum).
fn error_types() -> BTreeSet<String> {
    let bindings = read("src/bindings.ts");
    let start = bindings.find("export type AppError =").unwrap();
    let rest = &bindings[start..];
    let end = rest[1..].find("export type").map_or(rest.len(), |i| i + 1);
    rest[..end]
        .split("{ type: \"")
        .skip(1)
        .map(|s| s.split('"').next().unwrap().to_owned())
        .collect()
}

#[test]
fn architecture_lists_every_error_variant_and_no_other() {
    let doc = read("ARCHITECTURE.md");
    let start = doc.find("### Errors").unwrap();
    let section = &doc[start..];
    // Up to the next heading, whatever its level.
    let section = &section[..section[3..].find("\n#").map_or(section.len(), |i| i + 3)];
    let listed: BTreeSet<String> = section
        .split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| {
            w.len() > 2
                && w.chars().next().is_some_and(|c| c.is_ascii_uppercase())
                && w.chars().all(|c| c.is_ascii_alphanumeric())
                && *w != "AppError"
        })
        .map(str::to_owned)
        .collect();
    let types = error_types();
    assert!(types.len() >= 10, "{types:?}");
    assert_eq!(
        listed, types,
        "ARCHITECTURE.md's error list and the error enum differ"
    );
}

/// Every `.rs` file under `dir` (relative to the workspace), with its path.
fn rust_files(dir: &str) -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut out = Vec::new();
    let mut pending = vec![root.join(dir)];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                pending.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let shown = path
                    .strip_prefix(&root)
                    .unwrap()
                    .display()
                    .to_string()
                    .replace('\\', "/");
                out.push((shown, std::fs::read_to_string(&path).unwrap()));
            }
        }
    }
    assert!(!out.is_empty(), "no Rust files under {dir}");
    out
}

/// SQL lives in two places: the write path and the file (`db/`) and the read side (`read/`).
/// Services, sources, the tool and the shell call their typed functions.
#[test]
fn sql_is_written_only_in_db_and_read() {
    let markers = [
        "\"SELECT ",
        "\"INSERT ",
        "\"UPDATE ",
        "\"DELETE ",
        "\"CREATE ",
        "\"PRAGMA",
        ".prepare(",
        ".prepare_cached(",
        ".execute(",
        ".execute_batch(",
        ".query_row(",
        "pragma_update(",
        "unchecked_transaction(",
        // Nothing but the storage layer holds an SQLite connection: the rest pass a `db::Conn`.
        "rusqlite",
        "as_sqlite(",
    ];
    let mut found = Vec::new();
    for dir in [
        "crates/core/src",
        "crates/sources/src",
        "crates/cli/src",
        "src-tauri/src",
    ] {
        for (path, text) in rust_files(dir) {
            // The error type maps SQLite's errors; nothing else of SQLite's is named there.
            if path.starts_with("crates/core/src/db/")
                || path.starts_with("crates/core/src/read/")
                || path == "crates/core/src/error.rs"
            {
                continue;
            }
            for (n, line) in text.lines().enumerate() {
                if markers.iter().any(|m| line.contains(m)) {
                    found.push(format!("{path}:{}: {}", n + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "SQL or an SQLite connection outside db/ and read/:\n{}",
        found.join("\n")
    );
}

/// The shell and the tool are adapters: no file of theirs grows past 300 lines.
#[test]
fn no_file_of_the_shell_or_the_tool_is_over_300_lines() {
    let mut long = Vec::new();
    for dir in ["src-tauri/src", "crates/cli/src"] {
        for (path, text) in rust_files(dir) {
            let lines = text.lines().count();
            if lines > 300 {
                long.push(format!("{path}: {lines} lines"));
            }
        }
    }
    assert!(long.is_empty(), "over 300 lines:\n{}", long.join("\n"));
}

/// No command blocks the async runtime: each runs its work through `blocking(..)` (Tauri's
/// blocking pool), except the few that only read memory and the desk's two async services,
/// which move their own writes off the runtime (held by `sources
/// desk::saving_while_another_program_writes_never_holds_up_the_runtime`).
#[test]
fn every_command_runs_its_work_off_the_async_runtime() {
    let in_memory_or_async = [
        "cancel_export",
        "about",
        "warnings",
        "sources_status",
        "set_http_endpoint",
        "new_http_token",
    ];
    let mut seen = 0;
    let mut blocking_on_runtime = Vec::new();
    for (path, text) in rust_files("src-tauri/src/commands") {
        for part in text.split("pub async fn ").skip(1) {
            let name = part.split('(').next().unwrap();
            let body = &part[..part.find("\n}\n").unwrap_or(part.len())];
            seen += 1;
            if !body.contains("blocking(") && !in_memory_or_async.contains(&name) {
                blocking_on_runtime.push(format!("{path}: {name}"));
            }
        }
    }
    assert!(seen >= 25, "only {seen} commands found");
    assert!(
        blocking_on_runtime.is_empty(),
        "commands that do not run their work through blocking(..):\n{}",
        blocking_on_runtime.join("\n")
    );
}

/// Every test ARCHITECTURE.md names as holding an invariant exists.
#[test]
fn the_tests_architecture_names_exist() {
    let doc = read("ARCHITECTURE.md");
    let mut sources = String::new();
    for dir in [
        "crates/core/tests",
        "crates/sources/tests",
        "crates/cli/tests",
        "src-tauri/tests",
        "src-tauri/src",
    ] {
        for (_, text) in rust_files(dir) {
            sources.push_str(&text);
        }
    }
    let named: Vec<&str> = doc
        .split('`')
        .skip(1)
        .step_by(2)
        .filter_map(|w| {
            let name = w.rsplit("::").next()?;
            (name.matches('_').count() >= 3
                && name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .then_some(name)
        })
        .collect();
    assert!(named.len() >= 20, "only {} tests named", named.len());
    let missing: Vec<&&str> = named
        .iter()
        .filter(|name| !sources.contains(&format!("fn {name}(")))
        .collect();
    assert!(
        missing.is_empty(),
        "ARCHITECTURE.md names tests that do not exist: {missing:?}"
    );
}
