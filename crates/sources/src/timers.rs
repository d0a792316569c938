//! The desk's timers, run: one thread that sleeps until the next acknowledgement times out,
//! the next event expires or the next sender goes quiet (or until something commits, which
//! may bring one closer or change the policy), then makes those changes. A desk working alone
//! writes them (timeouts and expiry under its own settings' policy); a team desk publishes
//! them (under the team's policy, when its user may act) and every desk applies them from the
//! stream ([`eventdesk_core::db::timers`], [`eventdesk_core::db::senders`]).

use crate::team::TeamDesk;
use eventdesk_core::db::timers::{Due, MAX_FIRED};
use eventdesk_core::model::Timer;
use eventdesk_core::services::ingest::pagerduty;
use eventdesk_core::services::team::TeamTarget;
use eventdesk_core::{AppSettings, Error, Store};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// How long the timers wait after a failure (a storage error, the team's stream unreachable)
/// before they look again.
const RETRY: Duration = Duration::from_secs(30);

/// The least time between two looks that commits (not a timer's time) caused.
const CALM: Duration = Duration::from_secs(1);

/// What one pass leaves to do.
enum Pass {
    /// More may have come: look again now.
    Again,
    /// Sleep until then (Unix ms; `None`: until something commits).
    Until(Option<i64>),
}

/// Starts the desk's timers on a thread of their own, for `team` when the desk is in one.
pub fn start(store: Arc<Store>, team: Option<TeamDesk>) {
    let spawned = std::thread::Builder::new()
        .name("timers".into())
        .spawn(move || run(&store, team.as_ref()));
    if let Err(e) = spawned {
        tracing::error!(error = %e, "the desk's timers cannot run: acknowledgements will not time out");
    }
}

fn run(store: &Store, team: Option<&TeamDesk>) {
    let watch = store.feed().commits();
    let mut sent = Sent::default();
    loop {
        let seen = watch.count();
        let looked = Instant::now();
        let until = match pass(store, team, &mut sent) {
            Ok(Pass::Again) => continue,
            Ok(Pass::Until(at)) => at.map(|at| {
                let ms = at.saturating_sub(store.clock().now_ms()).max(0);
                Instant::now() + Duration::from_millis(u64::try_from(ms).unwrap_or(0))
            }),
            Err(e) => {
                tracing::warn!(error = %e, "the desk's timers failed; trying again shortly");
                Some(Instant::now() + RETRY)
            }
        };
        watch.wait(seen, until);
        // Commits come in bursts (a source's batches, the simulator): they are looked at no
        // more than once a second. A timer's own time is never late for it (the policy's
        // shortest is a minute, so the commit that set a deadline is seen long before it).
        let calm = looked + CALM;
        let now = Instant::now();
        if now < calm {
            std::thread::sleep(
                calm.min(until.unwrap_or(calm))
                    .saturating_duration_since(now),
            );
        }
    }
}

fn pass(store: &Store, team: Option<&TeamDesk>, sent: &mut Sent) -> Result<Pass, Error> {
    let quiet = senders(store, team, &mut sent.alarms)?;
    let timers = timers(store, team, &mut sent.changes)?;
    Ok(match (quiet, timers) {
        (Pass::Until(a), Pass::Until(b)) => Pass::Until(match (a, b) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }),
        _ => Pass::Again,
    })
}

/// What a team desk published and has not seen come back yet: not published again.
#[derive(Default)]
struct Sent {
    changes: HashSet<(i64, i64, Timer)>,
    alarms: HashSet<(String, bool)>,
}

/// The desk's events about quiet senders: raised while a sender is silent, ended when it is
/// heard again. A team desk publishes them as alerts (keyed, so copies from other desks are
/// occurrences of one event).
fn senders(
    store: &Store,
    team: Option<&TeamDesk>,
    sent: &mut HashSet<(String, bool)>,
) -> Result<Pass, Error> {
    // Read first: a write only when there is something to write (an empty one would wake
    // this thread again).
    let quiet = store.quiet_senders()?;
    let Some(team) = team else {
        if quiet.raise.is_empty() && quiet.end.is_empty() {
            return Ok(Pass::Until(quiet.next));
        }
        let (changed, _) = store.fire_senders()?;
        tracing::info!(events = changed, "quiet senders raised or ended");
        return Ok(Pass::Again);
    };
    let wanted: HashSet<(String, bool)> = quiet
        .raise
        .iter()
        .map(|s| (s.alarm_key(), true))
        .chain(
            quiet
                .end
                .iter()
                .filter_map(|e| e.dedup_key.clone().map(|k| (k, false))),
        )
        .collect();
    sent.retain(|k| wanted.contains(k));
    let mut bodies = Vec::new();
    for s in quiet
        .raise
        .iter()
        .filter(|s| !sent.contains(&(s.alarm_key(), true)))
    {
        bodies.push((s.alarm_key(), true, alarm_trigger(s)));
    }
    for e in &quiet.end {
        if let Some(key) = e
            .dedup_key
            .clone()
            .filter(|k| !sent.contains(&(k.clone(), false)))
        {
            let body = pagerduty::action_message("resolve", &key);
            bodies.push((key, false, body));
        }
    }
    if bodies.is_empty() || !team.acts()? {
        let later = (!sent.is_empty()).then(|| store.clock().now_ms() + RETRY.as_millis() as i64);
        return Ok(Pass::Until(later.or(quiet.next)));
    }
    let desk = &team.config().desk;
    let messages: Vec<(String, Vec<u8>)> = bodies
        .iter()
        .map(|(_, _, body)| (eventdesk_core::services::team::new_id(desk), body.clone()))
        .collect();
    team.publish(&messages)?;
    for (key, raise, _) in bodies {
        sent.insert((key, raise));
    }
    Ok(Pass::Again)
}

/// A PagerDuty trigger of the desk's event about a quiet sender, as a team's stream takes it.
fn alarm_trigger(sender: &eventdesk_core::model::Sender) -> Vec<u8> {
    let alarm = eventdesk_core::model::NewAlarm::about(sender);
    let key = sender.alarm_key();
    pagerduty::trigger_message(
        &key,
        &alarm.title,
        &sender.name,
        alarm.severity,
        alarm.kind,
        &alarm.labels,
    )
}

/// Acknowledgement timeouts and expiry under the policy: written alone, published in a team.
fn timers(
    store: &Store,
    team: Option<&TeamDesk>,
    sent: &mut HashSet<(i64, i64, Timer)>,
) -> Result<Pass, Error> {
    let policy = match team {
        Some(team) => team.timer_policy()?,
        None => AppSettings::load(store).0.timers,
    };
    if !policy.any() {
        sent.clear();
        return Ok(Pass::Until(None));
    }
    let now = store.clock().now_ms();
    let (due, next) = store.timers_due(&policy, now)?;
    let Some(team) = team else {
        if due.is_empty() {
            return Ok(Pass::Until(next));
        }
        let fired = store.fire_timers(&policy)?;
        tracing::info!(events = fired.len(), "timers changed events");
        return Ok(Pass::Again);
    };
    let key = |d: &Due| (d.id, d.version, d.timer);
    let due_now: HashSet<_> = due.iter().map(key).collect();
    sent.retain(|k| due_now.contains(k));
    let fresh: Vec<Due> = due
        .into_iter()
        .filter(|d| d.team_key.is_some() && !sent.contains(&key(d)))
        .collect();
    if fresh.is_empty() {
        // Due but sent already (waiting to come back, or refused): look again later.
        return Ok(Pass::Until(if sent.is_empty() {
            next
        } else {
            Some(now + RETRY.as_millis() as i64)
        }));
    }
    if !team.acts()? {
        // A viewer's desk leaves the team's timers to the operators' desks.
        return Ok(Pass::Until(None));
    }
    publish(team, fresh, sent)?;
    Ok(Pass::Again)
}

/// Publishes each timer's events as one message (at most [`MAX_FIRED`] each).
fn publish(
    team: &TeamDesk,
    due: Vec<Due>,
    sent: &mut HashSet<(i64, i64, Timer)>,
) -> Result<(), Error> {
    for timer in [Timer::AckTimeout, Timer::Expiry] {
        let targets: Vec<TeamTarget> = due
            .iter()
            .filter(|d| d.timer == timer)
            .take(MAX_FIRED)
            .filter_map(|d| {
                sent.insert((d.id, d.version, d.timer));
                d.team_key.clone().map(|event| TeamTarget {
                    event,
                    expected_version: d.version,
                })
            })
            .collect();
        if targets.is_empty() {
            continue;
        }
        let count = targets.len();
        team.publish_timer(timer, targets)?;
        tracing::info!(events = count, timer = timer.as_str(), "timers published");
    }
    Ok(())
}
