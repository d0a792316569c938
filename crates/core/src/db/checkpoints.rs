//! Copying the write-ahead log back into the file on a thread of its own, so that no commit
//! pays for it. SQLite's default does it inside the commit that takes the log past 1,000
//! pages: that commit (and every writer waiting on the feed behind it) then waits for 4 MiB
//! of pages to be copied and the file to be synced (benches/NOTES.md, "Checkpoints").

use crate::db::{checkpoint, Conn};
use parking_lot::{Condvar, Mutex};
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The least time between two checkpoints: under a steady stream of commits the log holds at
/// most this long's writes.
pub const CHECKPOINT_SPACING: Duration = Duration::from_millis(100);

/// A thread that checkpoints the file after commits (at most every [`CHECKPOINT_SPACING`]);
/// it stops when this is dropped.
pub(crate) struct Checkpointer {
    shared: Arc<Shared>,
}

#[derive(Default)]
struct Shared {
    state: Mutex<Wanted>,
    wake: Condvar,
}

#[derive(Default)]
struct Wanted {
    /// Commits were made since the last checkpoint began.
    dirty: bool,
    stop: bool,
}

impl Checkpointer {
    /// Starts the thread with a connection of its own to `path`.
    pub(crate) fn spawn(path: &Path) -> crate::error::Result<Checkpointer> {
        let conn = crate::db::connect(path)?;
        let shared = Arc::new(Shared::default());
        let theirs = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("eventdesk-checkpoints".into())
            .spawn(move || run(&conn, &theirs))?;
        Ok(Checkpointer { shared })
    }

    /// Says that a commit was made.
    pub(crate) fn committed(&self) {
        let mut state = self.shared.state.lock();
        if !state.dirty {
            state.dirty = true;
            self.shared.wake.notify_one();
        }
    }
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        self.shared.state.lock().stop = true;
        self.shared.wake.notify_one();
    }
}

fn run(conn: &Conn, shared: &Shared) {
    loop {
        {
            let mut state = shared.state.lock();
            while !state.dirty && !state.stop {
                shared.wake.wait(&mut state);
            }
            if state.stop {
                return;
            }
            state.dirty = false;
        }
        if let Err(e) = checkpoint(conn) {
            tracing::warn!(error = %e, "no checkpoint after commits");
        }
        // Pacing, not waiting for a condition: commits made meanwhile set `dirty` again and
        // are checkpointed when the spacing is up.
        let until = Instant::now() + CHECKPOINT_SPACING;
        let mut state = shared.state.lock();
        while !state.stop && Instant::now() < until {
            shared.wake.wait_until(&mut state, until);
        }
        if state.stop {
            return;
        }
    }
}
