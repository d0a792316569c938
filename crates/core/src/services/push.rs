//! [`Pusher`]: turns the stream of committed change sets into pushes the window can keep up
//! with. The first set after a quiet spell goes out at once; under a flood, sets are merged so
//! that at most one push leaves per interval, each carrying everything since the previous one.

use crate::model::ChangeSet;
use std::sync::mpsc::{Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

/// The default spacing of pushes: at most 20 a second. 25 ms was tried: under 100 changes/s the
/// window then did little but paint, and typed searches took seconds to show
/// (scripts/bench-window.sh).
pub const PUSH_INTERVAL: Duration = Duration::from_millis(50);

/// The receiving end of a [`crate::CommitFeed`], and how far apart pushes are.
pub struct Pusher {
    rx: Receiver<ChangeSet>,
    interval: Duration,
}

/// When a set that arrives after the push at `last_push` may go out: `None` when it may go at
/// once (nothing pushed yet), otherwise one interval after that push (a time already past
/// after a quiet spell, so that it goes at once too).
pub fn due(last_push: Option<Instant>, interval: Duration) -> Option<Instant> {
    last_push.map(|last| last + interval)
}

impl Pusher {
    pub fn new(rx: Receiver<ChangeSet>, interval: Duration) -> Pusher {
        Pusher { rx, interval }
    }

    /// Receives sets until every sender is gone, handing merged sets to `push` no more often
    /// than once per interval. Returns after pushing whatever was pending.
    pub fn run(self, mut push: impl FnMut(ChangeSet)) {
        let mut last_push: Option<Instant> = None;
        while let Ok(mut pending) = self.rx.recv() {
            let mut closed = false;
            if let Some(due) = due(last_push, self.interval) {
                loop {
                    let now = Instant::now();
                    if now >= due {
                        break;
                    }
                    match self.rx.recv_timeout(due - now) {
                        Ok(set) => pending.absorb(set),
                        Err(RecvTimeoutError::Timeout) => break,
                        Err(RecvTimeoutError::Disconnected) => {
                            closed = true;
                            break;
                        }
                    }
                }
            }
            while let Ok(set) = self.rx.try_recv() {
                pending.absorb(set);
            }
            push(pending);
            last_push = Some(Instant::now());
            if closed {
                return;
            }
        }
    }

    /// [`Pusher::run`] on a thread of its own, named `pusher`.
    pub fn spawn(
        self,
        push: impl FnMut(ChangeSet) + Send + 'static,
    ) -> std::io::Result<std::thread::JoinHandle<()>> {
        std::thread::Builder::new()
            .name("pusher".into())
            .spawn(move || self.run(push))
    }
}
