//! Turning a stream of committed change sets into pushes the UI can keep up with: the first set
//! after a quiet spell goes out at once; under a flood, sets are merged so that at most one push
//! leaves per interval, each carrying everything since the previous one.

use crate::model::ChangeSet;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The default spacing of pushes: at most 20 a second.
pub const PUSH_INTERVAL: Duration = Duration::from_millis(50);

/// Receives sets until every sender is gone, calling `emit` with merged sets no more often than
/// once per `interval`. Returns after emitting whatever was pending.
pub fn run_pusher(rx: &Receiver<ChangeSet>, interval: Duration, mut emit: impl FnMut(ChangeSet)) {
    let mut last_emit: Option<Instant> = None;
    while let Ok(mut pending) = rx.recv() {
        let mut closed = false;
        if let Some(last) = last_emit {
            let due = last + interval;
            loop {
                let now = Instant::now();
                if now >= due {
                    break;
                }
                match rx.recv_timeout(due - now) {
                    Ok(set) => pending.absorb(set),
                    Err(RecvTimeoutError::Timeout) => break,
                    Err(RecvTimeoutError::Disconnected) => {
                        closed = true;
                        break;
                    }
                }
            }
        }
        while let Ok(set) = rx.try_recv() {
            pending.absorb(set);
        }
        emit(pending);
        last_emit = Some(Instant::now());
        if closed {
            return;
        }
    }
}
