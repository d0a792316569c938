//! Eventdesk's core: the event model, the SQLite store, the simulator and the queries.
//! Nothing here depends on Tauri; the desktop shell in `src-tauri` is a thin adapter over it.

pub mod clock;
pub mod db;
pub mod error;
pub mod events;
pub mod model;
pub mod push;
pub mod query;
pub mod seed;
pub mod simulator;
pub mod store;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, Result};
pub use events::{Action, BulkOutcome, CatchUp, Target};
pub use model::{
    Actor, Change, ChangeSet, Event, EventDetail, EventFilter, EventQuery, Field, Page, Position,
    Severity, Sort, SortKey, Status,
};
pub use simulator::{SimConfig, SimControl, Simulator, SimulatorStatus};
pub use store::{CommitFeed, Store};
