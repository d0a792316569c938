//! Team mode in the window: the running team desk and which team to join live in
//! `eventdesk_sources::team` (headless, tested there; started by `eventdesk_sources::startup`);
//! the shell hands them to the commands.

pub use eventdesk_sources::team::{
    save_setup, saved_setup, TeamDesk as Team, TeamJoin, TeamSetup, TeamStatus,
};
