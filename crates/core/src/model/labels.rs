//! Labels: the key → value pairs a source attaches to an event (Alertmanager's labels,
//! PagerDuty's `component`, `group`, `class` and flat custom details). An event keeps the
//! labels of the message that created it; views filter on them.

use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use specta::Type;
use std::collections::BTreeMap;

/// One label, or in a filter, one label an event must carry.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Type)]
pub struct Label {
    pub key: String,
    pub value: String,
}

impl Label {
    pub fn new(key: &str, value: &str) -> Label {
        Label {
            key: key.to_owned(),
            value: value.to_owned(),
        }
    }
}

/// An event's labels, by key.
pub type Labels = BTreeMap<String, String>;

/// The most labels an event carries.
pub const MAX_LABELS: usize = 64;
/// The longest label key, in characters.
pub const MAX_LABEL_KEY: usize = 128;
/// The longest label value, in characters.
pub const MAX_LABEL_VALUE: usize = 1_024;

/// Why `key` cannot be a label's key: empty, longer than [`MAX_LABEL_KEY`], or holding a
/// control character.
pub fn key_problem(key: &str) -> Option<String> {
    if key.trim().is_empty() {
        Some("a label's key is empty".into())
    } else if key.chars().count() > MAX_LABEL_KEY {
        Some(format!(
            "the label key {:?}… is longer than {MAX_LABEL_KEY} characters",
            key.chars().take(40).collect::<String>()
        ))
    } else if key.chars().any(char::is_control) {
        Some(format!("the label key {key:?} holds a control character"))
    } else {
        None
    }
}

/// Why `value` cannot be the value of label `key`: longer than [`MAX_LABEL_VALUE`] (longer
/// text belongs in the details).
pub fn value_problem(key: &str, value: &str) -> Option<String> {
    (value.chars().count() > MAX_LABEL_VALUE)
        .then(|| format!("the value of label {key:?} is longer than {MAX_LABEL_VALUE} characters"))
}

/// Checks an event's labels: at most [`MAX_LABELS`], each key and value within bounds. The
/// error's field is `field` (where the sender put them, such as `alerts.labels`).
pub fn check_labels(field: &str, labels: &Labels) -> Result<()> {
    if labels.len() > MAX_LABELS {
        return Err(Error::invalid(
            field,
            format!(
                "holds {} labels, more than the {MAX_LABELS} an event may carry",
                labels.len()
            ),
        ));
    }
    for (key, value) in labels {
        if let Some(problem) = key_problem(key).or_else(|| value_problem(key, value)) {
            return Err(Error::invalid(field, problem));
        }
    }
    Ok(())
}

/// The stored form of an event's labels: a JSON object in key order, or `None` for none.
pub fn labels_text(labels: &Labels) -> Option<String> {
    (!labels.is_empty()).then(|| serde_json::to_string(labels).unwrap_or_default())
}

/// An event's labels from their stored form (an unreadable one reads as none).
pub fn labels_from_text(text: Option<&str>) -> Vec<Label> {
    text.and_then(|t| serde_json::from_str::<Labels>(t).ok())
        .unwrap_or_default()
        .into_iter()
        .map(|(key, value)| Label { key, value })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn labels_within_bounds_pass_and_others_say_why() {
        assert!(check_labels("labels", &labels(&[("team", "db"), ("env", "")])).is_ok());
        let many: Labels = (0..=MAX_LABELS)
            .map(|i| (format!("k{i}"), "v".to_owned()))
            .collect();
        for (bad, problem) in [
            (many, "65 labels"),
            (labels(&[(" ", "x")]), "empty"),
            (labels(&[(&"k".repeat(129), "x")]), "longer than 128"),
            (labels(&[("k", &"v".repeat(1025))]), "longer than 1024"),
            (labels(&[("k\nk", "v")]), "control character"),
        ] {
            match check_labels("alerts.labels", &bad) {
                Err(Error::InvalidInput { field, message }) => {
                    assert_eq!(field, "alerts.labels");
                    assert!(message.contains(problem), "{message}");
                }
                other => panic!("{other:?}"),
            }
        }
    }

    #[test]
    fn the_stored_form_reads_back_in_key_order() {
        let l = labels(&[("zone", "b"), ("app", "api")]);
        let text = labels_text(&l).unwrap();
        assert_eq!(text, r#"{"app":"api","zone":"b"}"#);
        let back = labels_from_text(Some(&text));
        assert_eq!(back[0].key, "app");
        assert_eq!(back[1].value, "b");
        assert!(labels_text(&Labels::new()).is_none());
        assert!(labels_from_text(Some("not json")).is_empty());
    }
}
