//! What the simulated platform reports: kinds of trouble, their sources, starting severities
//! and titles.

use crate::db::NewEvent;
use crate::model::{Labels, Severity};
use rand::rngs::StdRng;
use rand::Rng;

/// One kind of trouble the platform can report.
struct Template {
    kind: &'static str,
    sources: &'static [&'static str],
    /// Starting severities to draw from.
    severities: &'static [Severity],
    title: fn(&mut StdRng) -> String,
}

const MERCHANTS: &[&str] = &[
    "Northwind Grocers",
    "Bluebird Travel",
    "Acme Hardware",
    "Lumen Books",
    "Harbor Coffee",
    "Vela Fashion",
    "Quayside Hotels",
    "Pinecrest Pharmacy",
];
const ISSUERS: &[&str] = &["Visa", "Mastercard", "Amex", "Discover", "Maestro"];
const ACQUIRERS: &[&str] = &["Adyen", "Worldpay", "Elavon", "Nexi", "Fiserv"];
const REGIONS: &[&str] = &[
    "eu-west-1",
    "eu-central-1",
    "us-east-1",
    "us-west-2",
    "ap-southeast-1",
];
const CURRENCIES: &[&str] = &["EUR/USD", "GBP/EUR", "USD/JPY", "EUR/CHF", "USD/SGD"];

fn pick<'a>(rng: &mut StdRng, items: &'a [&'a str]) -> &'a str {
    items[rng.random_range(0..items.len())]
}

use Severity::{Critical, Error as Err_, Info, Warning};

const TEMPLATES: &[Template] = &[
    Template {
        kind: "txn.timeout",
        sources: &["payments-api", "checkout-api"],
        severities: &[Warning, Warning, Err_],
        title: |r| {
            format!(
                "Card authorisations timing out after {} ms for {}",
                r.random_range(8..30) * 500,
                pick(r, MERCHANTS)
            )
        },
    },
    Template {
        kind: "card.declined.spike",
        sources: &["card-processor"],
        severities: &[Warning, Err_, Critical],
        title: |r| {
            format!(
                "{} decline rate at {}% (baseline 4%)",
                pick(r, ISSUERS),
                r.random_range(9..48)
            )
        },
    },
    Template {
        kind: "ledger.lag",
        sources: &["ledger", "ledger-db"],
        severities: &[Info, Warning, Err_],
        title: |r| {
            format!(
                "Ledger replication lag {} s on shard {}",
                r.random_range(3..240),
                r.random_range(1..17)
            )
        },
    },
    Template {
        kind: "login.failed.burst",
        sources: &["auth-gateway"],
        severities: &[Warning, Err_, Critical],
        title: |r| {
            format!(
                "{} failed logins in 60 s from 203.0.{}.0/24",
                r.random_range(40..900),
                r.random_range(1..255)
            )
        },
    },
    Template {
        kind: "payout.batch.stuck",
        sources: &["payouts"],
        severities: &[Warning, Err_],
        title: |r| {
            format!(
                "Payout batch PB-{} stuck in 'submitted' for {} min",
                r.random_range(10_000..99_999),
                r.random_range(15..180)
            )
        },
    },
    Template {
        kind: "fx.rate.stale",
        sources: &["fx-service"],
        severities: &[Info, Warning],
        title: |r| {
            format!(
                "{} rate not refreshed for {} min",
                pick(r, CURRENCIES),
                r.random_range(5..60)
            )
        },
    },
    Template {
        kind: "webhook.delivery.failed",
        sources: &["webhooks"],
        severities: &[Info, Warning, Err_],
        title: |r| {
            format!(
                "Webhooks to {} failing with HTTP 503 ({} retries)",
                pick(r, MERCHANTS),
                r.random_range(3..25)
            )
        },
    },
    Template {
        kind: "settlement.mismatch",
        sources: &["reconciliation"],
        severities: &[Err_, Critical],
        title: |r| {
            format!(
                "{} settlement off by €{}.{:02} across {} transactions",
                pick(r, ACQUIRERS),
                r.random_range(12..9_000),
                r.random_range(0..100),
                r.random_range(2..60)
            )
        },
    },
    Template {
        kind: "api.latency.p99",
        sources: &["payments-api", "checkout-api", "auth-gateway"],
        severities: &[Info, Warning, Err_],
        title: |r| {
            format!(
                "p99 latency {} ms in {} (SLO 800 ms)",
                r.random_range(900..4_000),
                pick(r, REGIONS)
            )
        },
    },
    Template {
        kind: "fraud.score.spike",
        sources: &["risk-engine"],
        severities: &[Warning, Critical],
        title: |r| {
            format!(
                "High-risk scores on {}% of {} checkouts in 5 min",
                r.random_range(6..35),
                pick(r, MERCHANTS)
            )
        },
    },
    Template {
        kind: "db.connections.saturated",
        sources: &["ledger-db", "payments-db"],
        severities: &[Err_, Critical],
        title: |r| {
            format!(
                "Connection pool {}% used on primary in {}",
                r.random_range(90..101),
                pick(r, REGIONS)
            )
        },
    },
    Template {
        kind: "kyc.queue.backlog",
        sources: &["onboarding"],
        severities: &[Info, Warning],
        title: |r| {
            format!(
                "{} KYC reviews waiting longer than 4 h",
                r.random_range(20..600)
            )
        },
    },
];

/// Draws a realistic new event.
pub fn random_event(rng: &mut StdRng) -> NewEvent {
    let t = &TEMPLATES[rng.random_range(0..TEMPLATES.len())];
    NewEvent {
        kind: t.kind.to_owned(),
        source: t.sources[rng.random_range(0..t.sources.len())].to_owned(),
        severity: t.severities[rng.random_range(0..t.severities.len())],
        title: (t.title)(rng),
        labels: random_labels(rng),
        ..NewEvent::default()
    }
}

/// The labels of a new event: its environment (mostly production) and region.
fn random_labels(rng: &mut StdRng) -> Labels {
    let env = if rng.random_bool(0.8) {
        "prod"
    } else {
        "staging"
    };
    let region = pick(rng, REGIONS);
    Labels::from([
        ("env".to_owned(), env.to_owned()),
        ("region".to_owned(), region.to_owned()),
    ])
}
