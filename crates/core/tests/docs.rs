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
    let section = &section[..section[3..].find("\n### ").map_or(section.len(), |i| i + 3)];
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
