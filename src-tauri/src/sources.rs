//! The desk's own ways in (the HTTP endpoint, queues) live in `eventdesk_sources::desk`,
//! headless and tested there; the shell gives them its credential store ([`crate::secrets`])
//! and adapts them to commands and the `SourcesChanged` push.

pub use eventdesk_sources::desk::{
    FromEnvironment, QueueConfig, QueueView, Sources, SourcesConfig, SourcesStatus, WeakSources,
    DEFAULT_HTTP_PORT,
};
