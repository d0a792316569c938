//! Alertmanager's webhook (payload version 4): one message per alert group, with its alerts in
//! `alerts[]`, each `firing` or `resolved`. Each alert becomes one alert event: its
//! `fingerprint` is the dedup key, `alertname` the kind, `instance` (else `job`) the source,
//! `annotations.summary` (else the alert name) the title, `labels.severity` the severity
//! ([`severity`]), and `resolved` completes the event. Every label is kept as the event's
//! label; an alert whose labels are out of bounds is refused.

use crate::error::{Error, Result};
use crate::model::{check_labels, Labels, Link, Severity};
use crate::services::ingest::{Alert, AlertAction};
use serde_json::{Map, Value};

/// Alertmanager's zero time, sent as `endsAt` while an alert fires.
const NO_END: &str = "0001-01-01T00:00:00Z";

fn invalid(field: &str, message: &str) -> Error {
    Error::invalid(field, message)
}

/// `labels.severity` on Eventdesk's scale. Alertmanager does not define the label's values;
/// these are the names in common use (case does not matter). Anything else, or no label, is
/// a warning.
///
/// | label | severity |
/// | --- | --- |
/// | critical, crit, page, emergency, emerg, fatal, alert, p1 | critical |
/// | error, err, high, major, p2 | error |
/// | warning, warn, medium, minor, p3 | warning |
/// | info, informational, low, none, notice, debug, ok, p4, p5 | info |
pub fn severity(label: Option<&str>) -> Severity {
    match label.map(|l| l.trim().to_ascii_lowercase()).as_deref() {
        Some("critical" | "crit" | "page" | "emergency" | "emerg" | "fatal" | "alert" | "p1") => {
            Severity::Critical
        }
        Some("error" | "err" | "high" | "major" | "p2") => Severity::Error,
        Some(
            "info" | "informational" | "low" | "none" | "notice" | "debug" | "ok" | "p4" | "p5",
        ) => Severity::Info,
        _ => Severity::Warning,
    }
}

/// A string-to-string object (`labels`, `annotations`).
fn strings(alert: &Map<String, Value>, key: &str) -> Result<Map<String, Value>> {
    match alert.get(key) {
        None | Some(Value::Null) => Ok(Map::new()),
        Some(Value::Object(m)) if m.values().all(Value::is_string) => Ok(m.clone()),
        Some(_) => Err(invalid(key, "must be an object of strings")),
    }
}

fn get<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    map.get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// Reads one webhook message into its alerts, in the order sent. A message of more than
/// `max_alerts` alerts is refused whole: Alertmanager sends a whole group in one message unless
/// its receiver sets `max_alerts` (and counts the rest in `truncatedAlerts`), so the error says
/// to set it.
pub fn parse(message: &Value, max_alerts: usize) -> Result<Vec<Alert>> {
    let Value::Object(body) = message else {
        return Err(invalid("body", "must be a JSON object"));
    };
    match body.get("version") {
        None => {}
        Some(Value::String(v)) if v == "4" => {}
        Some(other) => {
            return Err(invalid(
                "version",
                &format!("must be \"4\" (Alertmanager's webhook), got {other}"),
            ))
        }
    }
    let Some(Value::Array(alerts)) = body.get("alerts") else {
        return Err(invalid("alerts", "must be an array"));
    };
    if alerts.len() > max_alerts {
        return Err(invalid(
            "alerts",
            &format!(
                "holds {} alerts, more than the {max_alerts} one message may hold (set max_alerts \
                 on the Alertmanager receiver to {max_alerts} or fewer)",
                alerts.len()
            ),
        ));
    }
    let external = body.get("externalURL").and_then(Value::as_str);
    alerts
        .iter()
        .map(|alert| {
            let Value::Object(alert) = alert else {
                return Err(invalid("alerts", "must hold objects"));
            };
            one(alert, body, external)
        })
        .collect()
}

fn one(
    alert: &Map<String, Value>,
    group: &Map<String, Value>,
    external: Option<&str>,
) -> Result<Alert> {
    let action = match alert.get("status").and_then(Value::as_str) {
        Some("firing") => AlertAction::Trigger,
        Some("resolved") => AlertAction::Resolve,
        _ => return Err(invalid("alerts.status", "must be firing or resolved")),
    };
    let labels = strings(alert, "labels")?;
    let annotations = strings(alert, "annotations")?;
    let fingerprint =
        get(alert, "fingerprint").ok_or_else(|| invalid("alerts.fingerprint", "is required"))?;
    let name = get(&labels, "alertname").unwrap_or("alertmanager");
    let source = get(&labels, "instance")
        .or_else(|| get(&labels, "job"))
        .unwrap_or("alertmanager");
    let title = get(&annotations, "summary").unwrap_or(name);
    let mut details = Map::new();
    details.insert("labels".into(), Value::Object(labels.clone()));
    if !annotations.is_empty() {
        details.insert("annotations".into(), Value::Object(annotations.clone()));
    }
    for key in ["startsAt", "endsAt", "generatorURL"] {
        if let Some(v) = get(alert, key).filter(|v| *v != NO_END) {
            details.insert(key.into(), Value::String(v.to_owned()));
        }
    }
    for key in ["receiver", "groupKey"] {
        if let Some(v) = get(group, key) {
            details.insert(key.into(), Value::String(v.to_owned()));
        }
    }
    let kept: Labels = labels
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
        .collect();
    check_labels("alerts.labels", &kept)?;
    let mut links = Vec::new();
    if let Some(url) = get(alert, "generatorURL") {
        links.push(Link {
            href: url.to_owned(),
            text: Some("Source of the alert".into()),
        });
    }
    if let Some(url) = get(&annotations, "runbook_url") {
        links.push(Link {
            href: url.to_owned(),
            text: Some("Runbook".into()),
        });
    }
    if let Some(url) = external.filter(|u| !u.trim().is_empty()) {
        links.push(Link {
            href: url.to_owned(),
            text: Some("Alertmanager".into()),
        });
    }
    Ok(Alert {
        sender: name.to_owned(),
        heartbeat: name == "Watchdog",
        action,
        dedup_key: Some(fingerprint.to_owned()),
        title: title.to_owned(),
        kind: name.to_owned(),
        source: source.to_owned(),
        severity: severity(get(&labels, "severity")),
        details: Some(Value::Object(details)),
        links: super::web_links(links),
        labels: kept,
    })
}
