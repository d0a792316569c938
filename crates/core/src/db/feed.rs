//! [`CommitFeed`]: where committed change sets go, in `seq` order.

use crate::db::WriteTxn;
use crate::error::Result;
use crate::model::ChangeSet;
use rusqlite::Connection;
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

/// Where committed change sets go. Every writer (the operator's commands, the simulator, the
/// settings) commits through one feed, so sets arrive in `seq` order.
#[derive(Clone)]
pub struct CommitFeed {
    tx: Arc<Mutex<Sender<ChangeSet>>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves the sender usable.
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl CommitFeed {
    pub fn new() -> (CommitFeed, Receiver<ChangeSet>) {
        let (tx, rx) = mpsc::channel();
        (
            CommitFeed {
                tx: Arc::new(Mutex::new(tx)),
            },
            rx,
        )
    }

    /// Runs `f` in an IMMEDIATE transaction on `conn`. On `Ok` it commits and publishes what
    /// changed; on `Err` it rolls back, so nothing is half-written.
    pub fn write<T>(
        &self,
        conn: &mut Connection,
        now: i64,
        f: impl FnOnce(&mut WriteTxn<'_>) -> Result<T>,
    ) -> Result<T> {
        // Held across commit and send: a later commit can never be published first.
        let sender = lock(&self.tx);
        let mut w = WriteTxn::begin(conn, now)?;
        let out = f(&mut w)?;
        if let Some(set) = w.commit()? {
            // No receiver means no window to update; the data is committed all the same.
            let _ = sender.send(set);
        }
        Ok(out)
    }
}
