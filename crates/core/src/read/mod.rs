//! Reading views: the read connection with its memory ([`Reader`]) and the queries that list,
//! count, search and page events. Nothing here writes.

pub(crate) mod memory;
pub mod query;
mod reader;

pub use reader::Reader;
