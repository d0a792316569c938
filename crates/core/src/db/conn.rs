//! [`Conn`]: a connection to the file as everything outside the storage layer holds it. Only
//! `db/` and `read/` reach the SQLite connection inside; services, sources, the tool and the
//! shell pass a `Conn` (or a [`WriteTxn`](crate::db::WriteTxn)) to typed functions.

use crate::db::WriteTxn;

/// An open connection to an Eventdesk file, configured by [`connect`](crate::db::connect).
pub struct Conn(rusqlite::Connection);

impl Conn {
    pub(crate) fn new(conn: rusqlite::Connection) -> Conn {
        Conn(conn)
    }

    /// How long a write on this connection waits for another writer's lock before `Busy`
    /// (every connection starts with [`BUSY_WAIT`](crate::db::BUSY_WAIT)).
    pub fn set_busy_wait(&self, wait: std::time::Duration) -> crate::error::Result<()> {
        Ok(self.0.busy_timeout(wait)?)
    }

    /// The SQLite connection inside, for tests that write what the app never would (raw SQL,
    /// limits, another program's edits). `docs::sql_is_written_only_in_db_and_read` keeps it
    /// out of every crate's code.
    #[doc(hidden)]
    pub fn as_sqlite(&self) -> &rusqlite::Connection {
        &self.0
    }

    pub(crate) fn raw_mut(&mut self) -> &mut rusqlite::Connection {
        &mut self.0
    }

    pub(crate) fn into_raw(self) -> rusqlite::Connection {
        self.0
    }
}

pub(crate) mod sealed {
    /// The SQLite connection behind a handle; callable inside this crate only.
    pub trait Raw {
        fn raw(&self) -> &rusqlite::Connection;
    }
}

/// Something rows can be read through: a [`Conn`], or a [`WriteTxn`] (which reads what it
/// has written so far).
pub trait Handle: sealed::Raw {}

impl<T: sealed::Raw + ?Sized> Handle for T {}

impl sealed::Raw for Conn {
    fn raw(&self) -> &rusqlite::Connection {
        &self.0
    }
}

impl sealed::Raw for rusqlite::Connection {
    fn raw(&self) -> &rusqlite::Connection {
        self
    }
}

impl sealed::Raw for rusqlite::Transaction<'_> {
    fn raw(&self) -> &rusqlite::Connection {
        self
    }
}

impl sealed::Raw for WriteTxn<'_> {
    fn raw(&self) -> &rusqlite::Connection {
        self.tx()
    }
}
