//! What the console does with the store: the simulator, pushing change sets to the window,
//! desktop notices, export, activity, seeding, the operator's preferences, and events from
//! outside sources (what their messages mean and how they are applied), and team desks (a
//! shared stream applied as a replica).

pub mod activity;
pub mod export;
pub mod ingest;
pub mod notify;
pub mod preferences;
pub mod push;
pub mod seed;
pub mod simulator;
pub mod team;
