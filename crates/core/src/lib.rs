//! Eventdesk's core: the event model, the SQLite store, the simulator and the queries.
//! Nothing here depends on Tauri; the desktop shell in `src-tauri` is a thin adapter over it.
//!
//! Layers, each using only those before it: [`model`] (the domain, no I/O) → [`db`] (the
//! file, its rows and the one write path) → [`read`] (the read connection, its memory and the
//! views) → [`store`] (the two together, as the console uses them) → [`services`] (simulator,
//! pushes, notices, export, activity, seeding, preferences, outside sources, team desks).

pub mod clock;
pub mod db;
pub mod error;
pub mod model;
pub mod read;
pub mod services;
pub mod store;

pub use clock::{At, Clock, ManualClock, SystemClock};
pub use db::CommitFeed;
pub use error::{Error, Result};
pub use model::{
    Action, Actor, BulkOutcome, CatchUp, Change, ChangeSet, Event, EventDetail, EventFilter,
    EventQuery, Field, HistoryPage, Label, Labels, MatchOp, Matcher, Page, Position, Severity,
    Silence, SilenceDraft, SilenceMark, SilenceState, SilencedView, SnoozedView, Sort, SortKey,
    Status, Tally, Target, HISTORY_PAGE,
};
pub use services::export::{ExportFormat, ExportOutcome};
pub use services::notify::{Notice, Notifier};
pub use services::preferences::{AppSettings, Density, Sounds, Theme};
pub use services::simulator::{SimConfig, SimControl, Simulator, SimulatorStatus};
pub use store::{StartGate, Store};
