//! A desk's own ways in, as the window runs them: the loopback HTTP endpoint and RabbitMQ
//! queues or streams, as the operator set them up in the Sources panel (saved under the
//! `sources` setting, secrets in a [`SecretStore`]: the system's credential store) or as the
//! environment says
//! (`EVENTDESK_HTTP_LISTEN`, `EVENTDESK_HTTP_TOKEN`, `EVENTDESK_AMQP_URL`,
//! `EVENTDESK_AMQP_QUEUE`, `EVENTDESK_AMQP_KIND`, for headless use and tests; not saved). Each
//! runs on the tokio runtime [`Sources::start`] was called on and writes through its own
//! `Ingester`; what they commit
//! reaches the window like any other change. On a team desk the endpoint publishes to the
//! team's stream instead (as the gateway does) and queues are not read, with the reason shown:
//! only the stream changes a team desk's events. Their state is pushed to the window as
//! `SourcesChanged`.

mod queues;
mod setup;

pub use setup::{
    FromEnvironment, HttpStatus, QueueConfig, QueueView, SourcesConfig, SourcesStatus,
    DEFAULT_HTTP_PORT,
};

use crate::amqp::{self, StatusCell};
use crate::gateway::StreamSink;
use crate::http::{self, HttpConfig, HttpServer};
use eventdesk_core::services::ingest::{Format, Ingester};
use eventdesk_core::{Actor, Error, Store};
use parking_lot::Mutex;
use rand::Rng;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::Arc;
use tokio::sync::watch;

/// The setting the sources are saved under (without secrets).
const SETTING: &str = "sources";
/// The credential store's name for the endpoint's token.
const TOKEN_SECRET: &str = "http-token";
/// The most queues one desk reads.
const MAX_QUEUES: usize = 16;
/// The id of the queue the environment names.
const ENVIRONMENT: &str = "environment";

struct RunningQueue {
    config: QueueConfig,
    status: StatusCell,
    /// Stops the consumer; `None` while paused.
    stop: Option<watch::Sender<bool>>,
    from_environment: bool,
}

impl RunningQueue {
    fn halt(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(true);
        }
    }
}

struct Running {
    config: SourcesConfig,
    http: Option<HttpServer>,
    http_error: Option<String>,
    queues: Vec<RunningQueue>,
}

/// Where a desk keeps its secrets (the endpoint's token, queues' URLs with their passwords):
/// never in the database or the settings.
pub trait SecretStore: Send + Sync {
    fn get(&self, name: &str) -> Result<Option<String>, Error>;
    fn set(&self, name: &str, secret: &str) -> Result<(), Error>;
    fn delete(&self, name: &str) -> Result<(), Error>;
    /// Whether they outlive this run (the system's credential store), or only this session.
    fn is_system(&self) -> bool;
}

struct Inner {
    store: Arc<Store>,
    secrets: Arc<dyn SecretStore>,
    runtime: tokio::runtime::Handle,
    env: FromEnvironment,
    /// On a team desk: where the endpoint publishes what it accepts.
    team: Option<Arc<StreamSink>>,
    running: Mutex<Running>,
}

/// The running sources. A cheap handle.
#[derive(Clone)]
pub struct Sources(Arc<Inner>);

/// [`Sources`] while something else keeps them.
pub struct WeakSources(std::sync::Weak<Inner>);

impl WeakSources {
    pub fn upgrade(&self) -> Option<Sources> {
        self.0.upgrade().map(Sources)
    }
}

impl Sources {
    /// Starts what the saved set-up and the environment ask for (on a team desk, `team`: the
    /// endpoint publishing to the team's stream, queues not read); what cannot start says why
    /// in its status. Must be called on a tokio runtime, which runs them.
    pub async fn start(
        store: Arc<Store>,
        secrets: Arc<dyn SecretStore>,
        env: FromEnvironment,
        team: Option<Arc<StreamSink>>,
    ) -> (Sources, Vec<String>) {
        let mut notes = Vec::new();
        let config = match store.load_setting::<SourcesConfig>(SETTING) {
            Ok(saved) => saved.unwrap_or_default(),
            Err(e) => {
                notes.push(format!(
                    "The saved sources could not be read ({e}); none were started."
                ));
                SourcesConfig::default()
            }
        };
        let sources = Sources(Arc::new(Inner {
            store,
            secrets,
            runtime: tokio::runtime::Handle::current(),
            env,
            team,
            running: Mutex::new(Running {
                config: config.clone(),
                http: None,
                http_error: None,
                queues: Vec::new(),
            }),
        }));
        sources.restart_http().await;
        if let Some((source, format)) = sources.0.env.queue.clone() {
            let config = QueueConfig {
                id: ENVIRONMENT.into(),
                queue: source.queue.clone(),
                kind: source.kind,
                format,
                shown_url: source.shown_url(),
                paused: false,
            };
            if let Err(e) = sources.add_running(config, Some(source), true) {
                notes.push(format!("The queue from the environment was not read: {e}"));
            }
        }
        for queue in config.queues {
            let source = if queue.paused {
                None
            } else {
                match sources.source_of(&queue) {
                    Ok(source) => Some(source),
                    Err(e) => {
                        notes.push(e.to_string());
                        continue;
                    }
                }
            };
            if let Err(e) = sources.add_running(queue, source, false) {
                notes.push(e.to_string());
            }
        }
        (sources, notes)
    }

    pub fn status(&self) -> SourcesStatus {
        let running = self.0.running.lock();
        let (enabled, address) = self.http_wanted(&running.config);
        SourcesStatus {
            http: HttpStatus {
                enabled,
                port: address.port(),
                listening: running
                    .http
                    .as_ref()
                    .map(|s| format!("http://{}", s.address())),
                error: running.http_error.clone(),
                activity: running
                    .http
                    .as_ref()
                    .map(HttpServer::activity)
                    .unwrap_or_default(),
                from_environment: self.0.env.http_listen.is_some(),
            },
            queues: running
                .queues
                .iter()
                .map(|q| QueueView {
                    id: q.config.id.clone(),
                    queue: q.config.queue.clone(),
                    format: q.config.format,
                    paused: q.config.paused,
                    status: amqp::status_of(&q.status),
                    from_environment: q.from_environment,
                })
                .collect(),
            secrets_kept: self.0.secrets.is_system(),
            senders: self.0.store.senders().unwrap_or_else(|e| {
                tracing::warn!(error = %e, "the senders could not be read");
                Vec::new()
            }),
        }
    }

    /// Whether the endpoint should listen, and where: the environment first.
    fn http_wanted(&self, config: &SourcesConfig) -> (bool, SocketAddr) {
        match self.0.env.http_listen {
            Some(address) => (true, address),
            None => (
                config.http_enabled,
                SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), config.http_port),
            ),
        }
    }

    /// The endpoint's token: the environment's, else the stored one, else a new one (stored).
    pub fn token(&self) -> Result<String, Error> {
        if let Some(token) = &self.0.env.http_token {
            return Ok(token.clone());
        }
        match self.0.secrets.get(TOKEN_SECRET)? {
            Some(token) => Ok(token),
            None => self.new_token_stored(),
        }
    }

    fn new_token_stored(&self) -> Result<String, Error> {
        let token = new_token();
        self.0.secrets.set(TOKEN_SECRET, &token)?;
        Ok(token)
    }

    /// Runs `f` (a write to the database or the credential store, which may wait) on a
    /// blocking thread, so that the runtime's workers go on with everything else.
    async fn off_runtime<T: Send + 'static>(
        &self,
        f: impl FnOnce(&Sources) -> Result<T, Error> + Send + 'static,
    ) -> Result<T, Error> {
        let this = self.clone();
        tokio::task::spawn_blocking(move || f(&this))
            .await
            .map_err(|e| Error::storage(format!("the desk's work stopped unexpectedly: {e}")))?
    }

    /// Replaces the token (senders must be given the new one) and restarts the endpoint.
    pub async fn new_token(&self) -> Result<String, Error> {
        if self.0.env.http_token.is_some() {
            return Err(Error::invalid(
                "token",
                "is set by EVENTDESK_HTTP_TOKEN; change it there",
            ));
        }
        let token = self.off_runtime(Sources::new_token_stored).await?;
        self.restart_http().await;
        Ok(token)
    }

    /// Turns the endpoint on or off, on `port`, and saves that.
    pub async fn set_http(&self, enabled: bool, port: u16) -> Result<SourcesStatus, Error> {
        if self.0.env.http_listen.is_some() {
            return Err(Error::invalid(
                "port",
                "the endpoint is set by EVENTDESK_HTTP_LISTEN; change it there",
            ));
        }
        if port < 1024 {
            return Err(Error::invalid("port", "must be 1024 to 65535"));
        }
        let config = {
            let mut running = self.0.running.lock();
            running.config.http_enabled = enabled;
            running.config.http_port = port;
            running.config.clone()
        };
        self.off_runtime(move |this| this.0.store.save_setting(SETTING, &config))
            .await?;
        self.restart_http().await;
        Ok(self.status())
    }

    /// Stops the endpoint and starts it again as the set-up says.
    async fn restart_http(&self) {
        let (old, enabled, address) = {
            let mut running = self.0.running.lock();
            running.http_error = None;
            let (enabled, address) = self.http_wanted(&running.config);
            (running.http.take(), enabled, address)
        };
        if let Some(server) = old {
            server.stop().await;
        }
        if !enabled {
            return;
        }
        // A port just given up (by the endpoint before, or an Eventdesk still exiting) may
        // take a moment to be free.
        let mut outcome = self.serve(address).await;
        for _ in 0..10 {
            if outcome.is_ok() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
            outcome = self.serve(address).await;
        }
        let mut running = self.0.running.lock();
        match outcome {
            Ok(server) => running.http = Some(server),
            Err(e) => {
                tracing::warn!(error = %e, "the HTTP endpoint did not start");
                running.http_error = Some(e.to_string());
            }
        }
    }

    async fn serve(&self, address: SocketAddr) -> Result<HttpServer, Error> {
        let token = self.off_runtime(Sources::token).await?;
        let config = HttpConfig {
            address: address.ip(),
            port: address.port(),
            allow_remote: self.0.env.http_allow_remote,
            token,
            allowed_origins: self.0.env.http_allow_origins.clone(),
        };
        if let Some(sink) = &self.0.team {
            return http::serve_stream(&config, sink.clone()).await;
        }
        let ingester = |name: &str, format| {
            let actor = Actor::source(name).map_err(|e| Error::invalid("source", e))?;
            Ingester::for_store(&self.0.store, actor, name, format)
        };
        http::serve(
            &config,
            ingester("pagerduty", Format::PagerDuty)?,
            ingester("alertmanager", Format::Alertmanager)?,
        )
        .await
    }

    /// A handle that does not keep the sources running (for the thread that pushes their
    /// state).
    pub fn downgrade(&self) -> WeakSources {
        WeakSources(Arc::downgrade(&self.0))
    }

    /// Stops every source (the app is exiting).
    pub fn stop(&self) {
        let mut running = self.0.running.lock();
        // Dropped: told to stop, not waited for.
        drop(running.http.take());
        for q in &mut running.queues {
            q.halt();
        }
    }
}

/// 32 random letters and digits.
fn new_token() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..32)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}
