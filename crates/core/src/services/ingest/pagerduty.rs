//! PagerDuty Events API v2 (`POST /v2/enqueue`): what Alertmanager's `pagerduty_configs`,
//! Grafana and many monitoring tools send. A message is one alert event: `event_action`
//! trigger, acknowledge or resolve, a `dedup_key`, and for a trigger a `payload` with
//! `summary`, `source` and `severity` (PagerDuty's four levels are Eventdesk's). Its labels
//! are `component`, `group` and `class`, and each entry of `custom_details` that is one short
//! line (a string, number or true/false within the label bounds); longer or nested details
//! stay in the details only.

use crate::error::{Error, Result};
use crate::model::{check_labels, key_problem, value_problem, Labels, Link, Severity};
use crate::services::ingest::{Alert, AlertAction};
use serde_json::{Map, Value};

/// PagerDuty's limits.
const MAX_DEDUP_KEY: usize = 255;
const MAX_SUMMARY: usize = 1_024;

fn invalid(field: &str, message: &str) -> Error {
    Error::invalid(field, message)
}

/// The text of `object[key]`, if it is a string.
fn text<'a>(object: &'a Map<String, Value>, key: &str) -> Result<Option<&'a str>> {
    match object.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(invalid(key, "must be a string")),
    }
}

/// An Events API v2 trigger of `key`: what this desk sends when it speaks PagerDuty (the team
/// simulator, the desk's own events about quiet senders on a team's stream). `details`
/// become the event's labels.
pub fn trigger_message(
    key: &str,
    summary: &str,
    source: &str,
    severity: Severity,
    class: &str,
    details: &Labels,
) -> Vec<u8> {
    serde_json::json!({ "event_action": "trigger", "dedup_key": key,
            "payload": { "summary": summary, "source": source,
                         "severity": severity.as_str(), "class": class,
                         "custom_details": details } })
    .to_string()
    .into_bytes()
}

/// An Events API v2 `acknowledge` or `resolve` of `key`.
pub fn action_message(verb: &str, key: &str) -> Vec<u8> {
    serde_json::json!({ "event_action": verb, "dedup_key": key })
        .to_string()
        .into_bytes()
}

/// Reads one Events API v2 message. The routing key is not checked here (the HTTP endpoint
/// compares it with its token; a queue's messages are trusted by the broker's permissions).
pub fn parse(message: &Value) -> Result<Alert> {
    let Value::Object(body) = message else {
        return Err(invalid("body", "must be a JSON object"));
    };
    let action = match text(body, "event_action")? {
        Some("trigger") => AlertAction::Trigger,
        Some("acknowledge") => AlertAction::Acknowledge,
        Some("resolve") => AlertAction::Resolve,
        Some(other) => {
            return Err(invalid(
                "event_action",
                &format!("must be trigger, acknowledge or resolve, got {other:?}"),
            ))
        }
        None => return Err(invalid("event_action", "is missing")),
    };
    let dedup_key = text(body, "dedup_key")?.map(str::to_owned);
    if let Some(key) = &dedup_key {
        if key.is_empty() || key.chars().count() > MAX_DEDUP_KEY {
            return Err(invalid("dedup_key", "must be 1 to 255 characters"));
        }
    }
    if action != AlertAction::Trigger && dedup_key.is_none() {
        return Err(invalid(
            "dedup_key",
            "is required to acknowledge or resolve an event",
        ));
    }
    let links = links(body)?;
    if action != AlertAction::Trigger {
        return Ok(Alert {
            action,
            dedup_key,
            links,
            ..Alert::default()
        });
    }
    let payload = match body.get("payload") {
        Some(Value::Object(p)) => p,
        Some(_) => return Err(invalid("payload", "must be an object")),
        None => return Err(invalid("payload", "is required for a trigger")),
    };
    let summary = text(payload, "summary")?
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("payload.summary", "is required"))?;
    if summary.chars().count() > MAX_SUMMARY {
        return Err(invalid("payload.summary", "is longer than 1024 characters"));
    }
    let source = text(payload, "source")?
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("payload.source", "is required"))?;
    let severity = match text(payload, "severity")? {
        Some("critical") => Severity::Critical,
        Some("error") => Severity::Error,
        Some("warning") => Severity::Warning,
        Some("info") => Severity::Info,
        Some(other) => {
            return Err(invalid(
                "payload.severity",
                &format!("must be critical, error, warning or info, got {other:?}"),
            ))
        }
        None => return Err(invalid("payload.severity", "is required")),
    };
    let kind = ["class", "component"]
        .into_iter()
        .find_map(|k| {
            text(payload, k)
                .ok()
                .flatten()
                .filter(|v| !v.trim().is_empty())
        })
        .unwrap_or("pagerduty");
    // Everything else the sender said, for the detail pane.
    let mut details = Map::new();
    for key in ["timestamp", "component", "group", "class", "custom_details"] {
        if let Some(v) = payload.get(key).filter(|v| !v.is_null()) {
            details.insert(key.to_owned(), v.clone());
        }
    }
    let labels = labels(payload)?;
    for key in ["client", "client_url", "images"] {
        if let Some(v) = body.get(key).filter(|v| !v.is_null()) {
            details.insert(key.to_owned(), v.clone());
        }
    }
    Ok(Alert {
        sender: source.to_owned(),
        heartbeat: kind == "heartbeat",
        action,
        dedup_key,
        title: summary.to_owned(),
        kind: kind.to_owned(),
        source: source.to_owned(),
        severity,
        details: (!details.is_empty()).then_some(Value::Object(details)),
        links,
        labels,
    })
}

/// A trigger's labels: the flat entries of `custom_details` that fit a label, then
/// `component`, `group` and `class` (which win over a custom detail of the same name).
fn labels(payload: &Map<String, Value>) -> Result<Labels> {
    let mut labels = Labels::new();
    if let Some(Value::Object(custom)) = payload.get("custom_details") {
        for (key, value) in custom {
            let value = match value {
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                _ => continue,
            };
            let one_line = !value.contains(['\n', '\r']);
            if one_line && key_problem(key).is_none() && value_problem(key, &value).is_none() {
                labels.insert(key.clone(), value);
            }
        }
    }
    for key in ["component", "group", "class"] {
        if let Some(value) = text(payload, key)?.map(str::trim).filter(|v| !v.is_empty()) {
            if let Some(problem) = value_problem(key, value) {
                return Err(invalid(&format!("payload.{key}"), &problem));
            }
            labels.insert(key.to_owned(), value.to_owned());
        }
    }
    check_labels("payload.custom_details", &labels)?;
    Ok(labels)
}

/// `links` (`[{href, text}]`) and `client_url`, keeping only http and https addresses.
fn links(body: &Map<String, Value>) -> Result<Vec<Link>> {
    let mut links = Vec::new();
    match body.get("links") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for item in items {
                let Value::Object(link) = item else {
                    return Err(invalid("links", "must be objects with href"));
                };
                let href = text(link, "href")?.ok_or_else(|| invalid("links", "need an href"))?;
                links.push(Link {
                    href: href.to_owned(),
                    text: text(link, "text")?.map(str::to_owned),
                });
            }
        }
        Some(_) => return Err(invalid("links", "must be an array")),
    }
    if let Some(url) = text(body, "client_url")? {
        let client = text(body, "client")?.unwrap_or("the sender");
        links.push(Link {
            href: url.to_owned(),
            text: Some(format!("Open in {client}")),
        });
    }
    Ok(super::web_links(links))
}
