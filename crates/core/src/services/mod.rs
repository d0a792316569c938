//! What the console does with the store: the simulator, pushing change sets to the window,
//! desktop notices, export, activity, seeding, and the operator's preferences.

pub mod activity;
pub mod export;
pub mod notify;
pub mod preferences;
pub mod push;
pub mod seed;
pub mod simulator;
