//! A team desk's timers against a real broker: the desk sees an acknowledgement time out or a
//! heartbeat stop under the team's policy, publishes the change, and applies it from the
//! stream like every desk.

use crate::support::{broker, trigger, unique, wait};
use eventdesk_core::model::{AckTimeouts, Timer, TimerPolicy};
use eventdesk_core::services::team::{RosterMessage, TeamRef};
use eventdesk_core::{Action, Actor, CommitFeed, ManualClock, Status, Store};
use eventdesk_sources::amqp::{Broker, Publisher, QueueKind};
use eventdesk_sources::team::{TeamConfig, TeamDesk};
use std::sync::Arc;

/// A team desk on a stream of its own, founded by the broker's user, its file on a clock the
/// test moves, its timers running.
pub struct Desk {
    pub team: TeamDesk,
    pub store: Arc<Store>,
    pub clock: Arc<ManualClock>,
    pub nodes: Broker,
    stream: String,
    rt: tokio::runtime::Runtime,
    _dir: tempfile::TempDir,
}

impl Desk {
    pub fn start(prefix: &str) -> Desk {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let nodes = Broker::parse(&broker(), None).unwrap();
        let stream = unique(prefix);
        let dir = tempfile::tempdir().unwrap();
        let clock = Arc::new(ManualClock::new(eventdesk_core::clock::now_ms()));
        let (feed, _rx) = CommitFeed::new();
        let store = Arc::new(Store::open(&dir.path().join("a.db"), feed, clock.clone()).unwrap());
        let team = {
            let _inside = rt.enter();
            TeamDesk::start(
                store.clone(),
                TeamConfig {
                    broker: nodes.clone(),
                    team: TeamRef::new(&stream, nodes.user()).unwrap(),
                    desk: "desk-a".into(),
                },
                || false,
            )
            .unwrap()
        };
        let desk = Desk {
            team,
            store,
            clock,
            nodes,
            stream,
            rt,
            _dir: dir,
        };
        desk.send(vec![]);
        eventdesk_sources::timers::start(desk.store.clone(), Some(desk.team.clone()));
        desk
    }

    /// Publishes `bodies` to the team's stream as the founder.
    pub fn send(&self, bodies: Vec<Vec<u8>>) {
        self.rt.block_on(async {
            let p = Publisher::connect(&self.nodes).await.unwrap();
            p.declare(&self.stream, QueueKind::Stream, None, None, None)
                .await
                .unwrap();
            p.publish("", &self.stream, bodies).await.unwrap();
        });
    }
}

#[test]
fn a_team_desk_publishes_an_acknowledgement_that_timed_out_and_applies_it_from_the_stream() {
    let desk = Desk::start("timers");
    let (store, clock, team) = (&desk.store, &desk.clock, &desk.team);
    // The founder (the broker's user) sets the team's policy: critical acknowledgements last
    // ten minutes.
    let policy = TimerPolicy {
        ack_timeout_minutes: AckTimeouts {
            critical: Some(10),
            ..AckTimeouts::default()
        },
        expire_after_hours: None,
    };
    let roster = RosterMessage {
        id: "r1".into(),
        set: vec![],
        remove: vec![],
        limits: None,
        max_silence_days: None,
        timers: Some(policy),
    };
    desk.send(vec![
        roster.to_body(),
        trigger("cpu", "CPU hot on db-7", "critical")
            .to_string()
            .into_bytes(),
    ]);

    let event = |store: &Store| store.get_event(1).map(|d| d.event);
    wait("the alert", || event(store).is_ok());
    wait("the policy", || team.timer_policy().unwrap() == policy);
    team.act(1, 1, Action::Acknowledge).unwrap();

    // Nine minutes on, nothing happens; at ten, the desk publishes the timeout.
    clock.advance(9 * 60_000);
    desk.send(vec![trigger("disk", "Disk full", "warning")
        .to_string()
        .into_bytes()]);
    wait("the second alert", || {
        event(store).is_ok() && store.get_event(2).is_ok()
    });
    assert_eq!(event(store).unwrap().status, Status::Acknowledged);
    clock.advance(60_000);
    // Something commits (another alert): the desk looks at its timers again.
    desk.send(vec![trigger("mem", "Memory low", "info")
        .to_string()
        .into_bytes()]);
    wait("the timeout", || {
        event(store).is_ok_and(|e| e.status == Status::Open)
    });
    let e = event(store).unwrap();
    assert_eq!(e.updated_by, Actor::Timer(Timer::AckTimeout));
    assert_eq!(e.version, 3);
    team.stop();
}

#[test]
fn a_team_desk_raises_a_lost_heartbeat_through_the_stream_and_ends_it_when_it_beats() {
    let desk = Desk::start("senders");
    let (store, clock, team) = (&desk.store, &desk.clock, &desk.team);
    let beat = || {
        serde_json::json!({ "version": "4", "status": "firing", "alerts": [
            { "status": "firing", "labels": { "alertname": "Watchdog" },
              "annotations": { "summary": "The pipeline works" }, "fingerprint": "w" } ] })
        .to_string()
        .into_bytes()
    };
    // Three beats a minute apart, each heard before the clock moves on.
    for n in 1..=3 {
        desk.send(vec![beat()]);
        wait("a beat", || {
            store
                .senders()
                .unwrap()
                .first()
                .is_some_and(|s| s.heard == n)
        });
        clock.advance(60_000);
    }
    let way = format!("team:{}", desk.stream);
    let sender = store.senders().unwrap().remove(0);
    assert_eq!(
        (sender.way.as_str(), sender.heartbeat),
        (way.as_str(), true)
    );
    assert!(store.get_event(1).is_err(), "a heartbeat became an event");

    // Two intervals without a beat: the desk publishes the alarm, every desk applies it.
    clock.advance(60_000);
    desk.send(vec![b"wake the desk".to_vec()]);
    wait("the alarm", || store.get_event(1).is_ok());
    let alarm = store.get_event(1).unwrap().event;
    assert_eq!(
        (alarm.severity, alarm.status, alarm.dedup_key.clone()),
        (
            eventdesk_core::Severity::Critical,
            Status::Open,
            Some(format!("eventdesk:quiet:{way}:Watchdog"))
        )
    );
    assert!(alarm.team_key.is_some());
    assert!(
        alarm.title.starts_with("Heartbeat lost: Watchdog"),
        "{}",
        alarm.title
    );

    // A beat: the desk publishes the resolve.
    desk.send(vec![beat()]);
    wait("the alarm to end", || {
        store
            .get_event(1)
            .is_ok_and(|d| d.event.status == Status::Completed)
    });
    team.stop();
}
