//! Eventdesk's core: the event model, the SQLite store, the simulator and the queries.
//! Nothing here depends on Tauri; the desktop shell in `src-tauri` is a thin adapter over it.

pub mod activity;
pub mod clock;
pub(crate) mod columns;
pub mod db;
pub mod error;
pub mod events;
pub mod export;
pub mod model;
pub mod notify;
pub mod push;
pub mod query;
pub mod reader;
pub mod seed;
pub mod settings;
pub mod simulator;
pub mod store;

pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{Error, Result};
pub use events::{Action, BulkOutcome, CatchUp, Target};
pub use export::{ExportFormat, ExportOutcome};
pub use model::{
    Actor, Change, ChangeSet, Event, EventDetail, EventFilter, EventQuery, Field, Page, Position,
    Severity, Sort, SortKey, Status,
};
pub use notify::{Notice, Notifier};
pub use settings::{AppSettings, Sounds, Theme};
pub use simulator::{SimConfig, SimControl, Simulator, SimulatorStatus};
pub use store::{CommitFeed, Store, Tally};
