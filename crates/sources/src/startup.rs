//! A desk as it starts: its database opened (what is wrong with it kept as a note for the
//! operator), team mode resolved and started, the simulator (writing to this file, or on a
//! team desk publishing to the team's stream), the desk's timers and its own sources. The window adds
//! only what is the window's: pushes, the tray, dialogs.

use crate::desk::{FromEnvironment, SecretStore, Sources};
use crate::team::{self, TeamConfig, TeamDesk};
use eventdesk_core::db::{Access, Check};
use eventdesk_core::{ChangeSet, CommitFeed, Error, SimConfig, SimControl, Simulator, Store};
use eventdesk_core::{Clock, SystemClock};
use std::path::Path;
use std::sync::mpsc::Receiver;
use std::sync::Arc;

/// A started desk.
pub struct Desk {
    /// The open database, or why it could not be opened (every command then says so).
    pub store: Result<Arc<Store>, Error>,
    /// Every committed change set, in order, for whoever pushes them to a window.
    pub changes: Receiver<ChangeSet>,
    /// The simulator's controls; `None` when there is no database to simulate into.
    pub simulator: Option<Arc<SimControl>>,
    /// The team desk, when this desk is in a team and it started.
    pub team: Option<TeamDesk>,
    /// The desk's own ways in; `None` without a database.
    pub sources: Option<Sources>,
    /// What the operator should read at start, each a sentence.
    pub notes: Vec<String>,
}

/// Starts the desk on the file at `path`. `var` reads the environment (`EVENTDESK_TEAM`,
/// `EVENTDESK_SIM*`, the sources' variables); `on_problem` hears of a damaged file found by
/// the background check, or of the file replaced by another program (writes have stopped by
/// then). Runs the team desk and the sources on
/// `runtime`; call it from outside that runtime.
pub fn start(
    path: &Path,
    var: &impl Fn(&str) -> Option<String>,
    secrets: Arc<dyn SecretStore>,
    runtime: &tokio::runtime::Handle,
    on_problem: impl Fn(Error) + Send + Sync + 'static,
) -> Desk {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let (feed, changes) = CommitFeed::new();
    let mut notes = Vec::new();
    // The pages are checked in the background: the check reads the whole file.
    let store =
        Store::open_with(path, feed.clone(), clock.clone(), Check::Later, on_problem).map(Arc::new);
    match &store {
        Ok(store) => {
            tracing::info!(db = %path.display(), "database open");
            if let Access::ReadOnly(reason) = store.access() {
                notes.push(format!(
                    "{} is open for reading only: {reason}. Changes cannot be saved.",
                    path.display()
                ));
            }
        }
        Err(e) => tracing::error!(db = %path.display(), error = %e, "database unavailable"),
    }
    let Ok(open) = &store else {
        return Desk {
            store,
            changes,
            simulator: None,
            team: None,
            sources: None,
            notes,
        };
    };

    // Team mode: the desk's file is a replica of the team's stream, so nothing but the stream
    // writes its events; the simulator, when it runs, publishes to the stream.
    let team_config = team::resolve(var, open, secrets.as_ref()).unwrap_or_else(|e| {
        notes.push(format!("Team mode is off: {e}."));
        None
    });
    let (config, sim_notes) = SimConfig::starting(open, var, seed_from_time());
    for note in &sim_notes {
        tracing::warn!("{note}");
    }
    notes.extend(sim_notes);
    // In a team the simulator's events reach every desk: it starts paused, whatever was saved,
    // until an operator starts it.
    let running = config.running && team_config.is_none();
    let control = SimControl::new(SimConfig { running, ..config });
    let team =
        team_config.and_then(|config| start_team(open, config, &control, runtime, &mut notes));
    let simulator = match &team {
        Some(_) => Some(control),
        None => start_simulator(open, control, feed, clock),
    };

    if matches!(open.access(), Access::ReadWrite) {
        crate::timers::start(open.clone(), team.clone());
    }

    let (from_env, env_notes) = FromEnvironment::read(var);
    notes.extend(env_notes);
    let sink = team.as_ref().map(TeamDesk::sink).and_then(|sink| {
        sink.map_err(|e| notes.push(format!("The HTTP endpoint is off: {e}.")))
            .ok()
    });
    let (sources, source_notes) =
        runtime.block_on(Sources::start(open.clone(), secrets, from_env, sink));
    for note in &source_notes {
        tracing::warn!("{note}");
    }
    notes.extend(source_notes);
    Desk {
        store,
        changes,
        simulator,
        team,
        sources: Some(sources),
        notes,
    }
}

/// Replicates the team's stream into `store` and runs the simulator publishing to it.
fn start_team(
    store: &Arc<Store>,
    config: TeamConfig,
    control: &Arc<SimControl>,
    runtime: &tokio::runtime::Handle,
    notes: &mut Vec<String>,
) -> Option<TeamDesk> {
    let stream = config.team.stream.clone();
    let _inside = runtime.enter();
    let simulating = {
        let control = control.clone();
        move || control.config().running
    };
    let started = TeamDesk::start(store.clone(), config, simulating).and_then(|team| {
        team.start_simulator(control.clone())?;
        Ok(team)
    });
    match started {
        Ok(team) => {
            notes.push(format!(
                "Team mode: this desk replicates the stream {stream}; its simulator, when \
                 running, publishes to the stream."
            ));
            Some(team)
        }
        Err(e) => {
            notes.push(format!("Team mode could not start: {e}."));
            None
        }
    }
}

/// Runs the simulator on a thread of its own, writing to `store`'s file.
fn start_simulator(
    store: &Store,
    control: Arc<SimControl>,
    feed: CommitFeed,
    clock: Arc<dyn Clock>,
) -> Option<Arc<SimControl>> {
    let conn = store
        .connect()
        .map_err(|e| tracing::warn!(error = %e, "no simulator on this database"))
        .ok()?;
    let sim = Simulator::new(control.config());
    let thread_control = control.clone();
    std::thread::Builder::new()
        .name("simulator".into())
        .spawn(move || sim.run(conn, feed, clock, thread_control))
        .map_err(|e| tracing::error!(error = %e, "cannot start the simulator"))
        .ok()
        .map(|_| control)
}

/// A seed for a simulator that was never given one.
fn seed_from_time() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() % u128::from(u32::MAX))
        .ok()
        .and_then(|n| u64::try_from(n).ok())
        .unwrap_or(0)
}
