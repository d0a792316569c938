//! [`Pool`]: a few read connections opened once and lent to one read at a time, so that a long
//! read (an export, a catch-up) does not hold up the others and no read opens a connection.
//! A few lines on `parking_lot`'s mutex and condition variable; a pool crate (r2d2) would tie
//! its SQLite adapter's version to rusqlite's.

use crate::db::Conn;
use crate::error::Result;
use parking_lot::{Condvar, Mutex};
use std::ops::{Deref, DerefMut};

/// Read connections to one file.
pub struct Pool {
    free: Mutex<Vec<Conn>>,
    returned: Condvar,
    size: usize,
}

/// A connection lent by a [`Pool`]; it goes back when dropped.
pub struct Lent<'p> {
    pool: &'p Pool,
    conn: Option<Conn>,
}

impl Pool {
    /// A pool of `size` connections (at least one) made by `connect`.
    pub fn open(size: usize, mut connect: impl FnMut() -> Result<Conn>) -> Result<Pool> {
        let size = size.max(1);
        let conns = (0..size).map(|_| connect()).collect::<Result<Vec<_>>>()?;
        Ok(Pool {
            size,
            free: Mutex::new(conns),
            returned: Condvar::new(),
        })
    }

    /// How many connections the pool holds.
    pub fn size(&self) -> usize {
        self.size
    }

    /// A free connection, waiting for one to come back when all are lent.
    pub fn get(&self) -> Lent<'_> {
        let mut free = self.free.lock();
        loop {
            if let Some(conn) = free.pop() {
                return Lent {
                    pool: self,
                    conn: Some(conn),
                };
            }
            self.returned.wait(&mut free);
        }
    }
}

// `conn` is set when lent and taken only by `drop`: it is there whenever it is looked at.
#[allow(clippy::expect_used)]
impl Deref for Lent<'_> {
    type Target = Conn;
    fn deref(&self) -> &Conn {
        self.conn.as_ref().expect("held until dropped")
    }
}

#[allow(clippy::expect_used)]
impl DerefMut for Lent<'_> {
    fn deref_mut(&mut self) -> &mut Conn {
        self.conn.as_mut().expect("held until dropped")
    }
}

impl Drop for Lent<'_> {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.take() {
            self.pool.free.lock().push(conn);
            self.pool.returned.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::Duration;

    #[test]
    fn a_read_waits_for_a_lent_connection_and_gets_it_back() {
        let pool = Pool::open(0, crate::db::in_memory).unwrap();
        assert_eq!(pool.size(), 1);
        let first = pool.get();
        let (tx, rx) = mpsc::channel();
        std::thread::scope(|s| {
            s.spawn(|| {
                let _second = pool.get();
                tx.send(()).unwrap();
            });
            // All lent: the second read cannot have its connection yet.
            assert!(rx.recv_timeout(Duration::from_millis(100)).is_err());
            drop(first);
            rx.recv_timeout(Duration::from_secs(10))
                .expect("the returned connection was lent again");
        });
        assert_eq!(pool.free.lock().len(), pool.size());
    }
}
