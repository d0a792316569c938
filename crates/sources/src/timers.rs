//! The desk's timers, run: one thread that sleeps until the next acknowledgement times out or
//! the next event expires (or until something commits, which may bring a timer closer or change
//! the policy), then makes those changes. A desk working alone writes them under its own
//! settings' policy; a team desk publishes them under the team's policy (when its user may act)
//! and every desk applies them from the stream ([`eventdesk_core::db::timers`]).

use crate::team::TeamDesk;
use eventdesk_core::db::timers::{Due, MAX_FIRED};
use eventdesk_core::model::{Timer, TimerPolicy};
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
    // What this desk published and has not seen change yet: not published again.
    let mut sent = HashSet::new();
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

fn pass(
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
    let Some(team) = team else {
        let fired = store.fire_timers(&policy)?;
        if !fired.is_empty() {
            tracing::info!(events = fired.len(), "timers changed events");
            return Ok(Pass::Again);
        }
        return Ok(Pass::Until(
            store.timers_due(&policy, store.clock().now_ms())?.1,
        ));
    };
    let now = store.clock().now_ms();
    let (due, next) = store.timers_due(&policy, now)?;
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
    publish(team, &policy, fresh, sent)?;
    Ok(Pass::Again)
}

/// Publishes each timer's events as one message (at most [`MAX_FIRED`] each).
fn publish(
    team: &TeamDesk,
    policy: &TimerPolicy,
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
        tracing::info!(
            events = count,
            timer = timer.as_str(),
            ?policy,
            "timers published"
        );
    }
    Ok(())
}
