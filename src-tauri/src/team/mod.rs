//! Team mode in the window: which team this desk joins ([`setup`]), and the running team desk,
//! which lives in `eventdesk_sources::team` (headless, tested there); this module only starts
//! it with the desk's simulator and hands it to the commands.

mod setup;

pub use eventdesk_sources::team::{TeamDesk as Team, TeamStatus};
pub use setup::{save_setup, saved_setup, TeamJoin, TeamSetup};

use eventdesk_core::{Error, SimControl, Store};
use std::sync::Arc;

/// Starts replicating the team's stream into `store`, announcing this desk, and the simulator
/// (run by `control`) publishing to the stream. Must be called inside Tauri's async runtime.
pub fn start(
    store: Arc<Store>,
    config: eventdesk_sources::team::TeamConfig,
    control: Arc<SimControl>,
) -> Result<Team, Error> {
    let simulating = {
        let control = control.clone();
        move || control.config().running
    };
    let team = Team::start(store, config, simulating)?;
    team.start_simulator(control)?;
    Ok(team)
}

/// Which team to join at start: see [`setup::resolve`].
pub use setup::resolve;
