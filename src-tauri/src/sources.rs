//! The ways events come in while the window is open: the loopback HTTP endpoint and RabbitMQ
//! queues or streams, as the operator set them up in the Sources panel (saved under the
//! `sources` setting, secrets in the credential store) or as the environment says
//! (`EVENTDESK_HTTP_LISTEN`, `EVENTDESK_HTTP_TOKEN`, `EVENTDESK_AMQP_URL`,
//! `EVENTDESK_AMQP_QUEUE`, `EVENTDESK_AMQP_KIND`, for headless use and tests; not saved). Each
//! runs on Tauri's async runtime and writes through its own `Ingester`; what they commit
//! reaches the window like any other change. Their state is pushed to the window as
//! `SourcesChanged`.

use crate::secrets::Secrets;
use eventdesk_core::services::ingest::{Activity, Format, Ingester};
use eventdesk_core::{Actor, Error, Store};
use eventdesk_sources::amqp::{self, QueueKind, QueueSource, QueueState, QueueStatus, StatusCell};
use eventdesk_sources::http::{self, HttpConfig, HttpServer};
use rand::Rng;
use serde::{Deserialize, Serialize};
use specta::Type;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use tokio::sync::watch;

/// The setting the sources are saved under (without secrets).
const SETTING: &str = "sources";
/// The endpoint's port unless the operator picks another.
pub const DEFAULT_HTTP_PORT: u16 = 8095;
/// The credential store's name for the endpoint's token.
const TOKEN_SECRET: &str = "http-token";
/// The most queues one desk reads.
const MAX_QUEUES: usize = 16;
/// The id of the queue the environment names.
const ENVIRONMENT: &str = "environment";

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The saved set-up. Secrets (the token, URLs with their passwords) are not in it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SourcesConfig {
    pub http_enabled: bool,
    pub http_port: u16,
    pub queues: Vec<QueueConfig>,
}

impl Default for SourcesConfig {
    fn default() -> Self {
        SourcesConfig {
            http_enabled: false,
            http_port: DEFAULT_HTTP_PORT,
            queues: Vec::new(),
        }
    }
}

/// A queue the desk reads. Its URL, with the password, is in the credential store under
/// `amqp:ID`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct QueueConfig {
    pub id: String,
    pub queue: String,
    pub kind: QueueKind,
    pub format: Format,
    /// The URL without its password, to show.
    pub shown_url: String,
    /// Paused by the operator: not read until resumed.
    #[serde(default)]
    pub paused: bool,
}

/// The endpoint's state, for the Sources panel.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct HttpStatus {
    pub enabled: bool,
    pub port: u16,
    /// `http://ADDRESS:PORT` while it listens.
    pub listening: Option<String>,
    /// Why it does not listen, when it should.
    pub error: Option<String>,
    pub activity: Activity,
    /// Set by `EVENTDESK_HTTP_LISTEN`: the panel cannot change it.
    pub from_environment: bool,
}

/// One queue's state, for the Sources panel.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct QueueView {
    pub id: String,
    pub queue: String,
    pub format: Format,
    pub paused: bool,
    pub status: QueueStatus,
    /// Set by `EVENTDESK_AMQP_*`: the panel cannot change it.
    pub from_environment: bool,
}

/// Everything the Sources panel shows.
#[derive(Debug, Clone, PartialEq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct SourcesStatus {
    pub http: HttpStatus,
    pub queues: Vec<QueueView>,
    /// Whether secrets are in the system's credential store (else only for this session).
    pub secrets_kept: bool,
}

/// What the environment sets up.
#[derive(Debug, Clone, Default)]
pub struct FromEnvironment {
    /// `EVENTDESK_HTTP_LISTEN`: `PORT` or `ADDRESS:PORT` (port 0: any free port).
    pub http_listen: Option<SocketAddr>,
    /// `EVENTDESK_HTTP_ALLOW_REMOTE=1`: listen on an address other than loopback.
    pub http_allow_remote: bool,
    pub http_token: Option<String>,
    pub queue: Option<(QueueSource, Format)>,
}

/// `PORT` (on 127.0.0.1) or `ADDRESS:PORT`.
fn listen_address(text: &str) -> Option<SocketAddr> {
    let text = text.trim();
    match text.parse::<u16>() {
        Ok(port) => Some(SocketAddr::new(IpAddr::V4(Ipv4Addr::LOCALHOST), port)),
        Err(_) => text.parse().ok(),
    }
}

impl FromEnvironment {
    /// Reads `EVENTDESK_HTTP_*` and `EVENTDESK_AMQP_*` through `var`; a value that does not
    /// parse is a warning and is left out.
    pub fn read(var: &impl Fn(&str) -> Option<String>) -> (FromEnvironment, Vec<String>) {
        let mut notes = Vec::new();
        let mut env = FromEnvironment::default();
        let given = |name: &str| var(name).filter(|v| !v.trim().is_empty());
        if let Some(listen) = given("EVENTDESK_HTTP_LISTEN") {
            match listen_address(&listen) {
                Some(address) => env.http_listen = Some(address),
                None => notes.push(format!(
                    "EVENTDESK_HTTP_LISTEN must be PORT or ADDRESS:PORT (e.g. 127.0.0.1:8095), \
                     got {listen:?}; the HTTP endpoint is as set in Sources"
                )),
            }
        }
        env.http_allow_remote = given("EVENTDESK_HTTP_ALLOW_REMOTE").as_deref() == Some("1");
        env.http_token = given("EVENTDESK_HTTP_TOKEN");
        if let (Some(url), Some(queue)) =
            (given("EVENTDESK_AMQP_URL"), given("EVENTDESK_AMQP_QUEUE"))
        {
            let kind = match given("EVENTDESK_AMQP_KIND").as_deref() {
                None | Some("stream") => Some(QueueKind::Stream),
                Some("queue") => Some(QueueKind::Queue),
                Some(other) => {
                    notes.push(format!(
                        "EVENTDESK_AMQP_KIND must be stream or queue, got {other:?}; the queue \
                         from the environment is not read"
                    ));
                    None
                }
            };
            if let Some(kind) = kind {
                let source = QueueSource { url, queue, kind };
                match source.validate() {
                    Ok(()) => env.queue = Some((source, Format::Auto)),
                    Err(e) => notes.push(format!(
                        "EVENTDESK_AMQP_URL and EVENTDESK_AMQP_QUEUE: {e}; not read"
                    )),
                }
            }
        }
        (env, notes)
    }
}

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

struct Inner {
    store: Arc<Store>,
    secrets: Secrets,
    env: FromEnvironment,
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
    /// Starts what the saved set-up and the environment ask for; what cannot start says why
    /// in its status. Must be called inside Tauri's async runtime.
    pub async fn start(
        store: Arc<Store>,
        secrets: Secrets,
        env: FromEnvironment,
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
            env,
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

    /// A saved queue with its URL from the credential store.
    fn source_of(&self, queue: &QueueConfig) -> Result<QueueSource, Error> {
        match self.0.secrets.get(&url_secret(&queue.id))? {
            Some(url) => Ok(QueueSource {
                url,
                queue: queue.queue.clone(),
                kind: queue.kind,
            }),
            None => Err(Error::invalid(
                "url",
                format!(
                    "the RabbitMQ URL for {} is not in the credential store; give it again in \
                     Sources",
                    queue.queue
                ),
            )),
        }
    }

    pub fn status(&self) -> SourcesStatus {
        let running = lock(&self.0.running);
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

    /// Replaces the token (senders must be given the new one) and restarts the endpoint.
    pub async fn new_token(&self) -> Result<String, Error> {
        if self.0.env.http_token.is_some() {
            return Err(Error::invalid(
                "token",
                "is set by EVENTDESK_HTTP_TOKEN; change it there",
            ));
        }
        let token = self.new_token_stored()?;
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
            let mut running = lock(&self.0.running);
            running.config.http_enabled = enabled;
            running.config.http_port = port;
            running.config.clone()
        };
        self.0.store.save_setting(SETTING, &config)?;
        self.restart_http().await;
        Ok(self.status())
    }

    /// Stops the endpoint and starts it again as the set-up says.
    async fn restart_http(&self) {
        let (old, enabled, address) = {
            let mut running = lock(&self.0.running);
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
        let mut running = lock(&self.0.running);
        match outcome {
            Ok(server) => running.http = Some(server),
            Err(e) => {
                tracing::warn!(error = %e, "the HTTP endpoint did not start");
                running.http_error = Some(e.to_string());
            }
        }
    }

    async fn serve(&self, address: SocketAddr) -> Result<HttpServer, Error> {
        let token = self.token()?;
        let config = HttpConfig {
            address: address.ip(),
            port: address.port(),
            allow_remote: self.0.env.http_allow_remote,
            token,
        };
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

    /// Starts a consumer for `source` (none while paused) and lists the queue.
    fn add_running(
        &self,
        config: QueueConfig,
        source: Option<QueueSource>,
        from_environment: bool,
    ) -> Result<(), Error> {
        let shown = QueueSource {
            url: config.shown_url.clone(),
            queue: config.queue.clone(),
            kind: config.kind,
        };
        let status: StatusCell = Arc::new(Mutex::new(QueueStatus::new(&shown)));
        let mut queue = RunningQueue {
            config,
            status,
            stop: None,
            from_environment,
        };
        match source {
            Some(source) => queue.stop = Some(self.consume(&queue, source)?),
            None => lock(&queue.status).state = QueueState::Paused,
        }
        lock(&self.0.running).queues.push(queue);
        Ok(())
    }

    /// Starts reading `source` for `queue`; the sender stops it.
    fn consume(
        &self,
        queue: &RunningQueue,
        source: QueueSource,
    ) -> Result<watch::Sender<bool>, Error> {
        let channel = source.channel();
        let actor = Actor::source(&channel).map_err(|e| Error::invalid("queue", e))?;
        let ingester = Ingester::for_store(&self.0.store, actor, &channel, queue.config.format)?;
        let (stop, stopped) = watch::channel(false);
        lock(&queue.status).state = QueueState::Connecting;
        tauri::async_runtime::spawn(amqp::consume(
            source,
            ingester,
            queue.status.clone(),
            stopped,
            amqp::Until::Stopped,
        ));
        Ok(stop)
    }

    fn save(&self) -> Result<(), Error> {
        let config = lock(&self.0.running).config.clone();
        self.0.store.save_setting(SETTING, &config)
    }

    /// Adds a queue or stream to read, saves it (its URL in the credential store) and starts
    /// reading it.
    pub fn add_queue(
        &self,
        url: String,
        queue: String,
        kind: QueueKind,
        format: Format,
    ) -> Result<SourcesStatus, Error> {
        let source = QueueSource {
            url: url.trim().to_owned(),
            queue: queue.trim().to_owned(),
            kind,
        };
        source.validate()?;
        Actor::source(&source.channel()).map_err(|e| Error::invalid("queue", e))?;
        let id = {
            let running = lock(&self.0.running);
            if running.queues.len() >= MAX_QUEUES {
                return Err(Error::invalid(
                    "queue",
                    format!("a desk reads at most {MAX_QUEUES} queues"),
                ));
            }
            if running
                .queues
                .iter()
                .any(|q| q.config.queue == source.queue)
            {
                return Err(Error::invalid(
                    "queue",
                    format!("{} is read already", source.queue),
                ));
            }
            format!("{:016x}", rand::rng().random::<u64>())
        };
        let config = QueueConfig {
            id: id.clone(),
            queue: source.queue.clone(),
            kind,
            format,
            shown_url: source.shown_url(),
            paused: false,
        };
        self.0.secrets.set(&url_secret(&id), &source.url)?;
        lock(&self.0.running).config.queues.push(config.clone());
        if let Err(e) = self.save() {
            lock(&self.0.running).config.queues.retain(|q| q.id != id);
            let _ = self.0.secrets.delete(&url_secret(&id));
            return Err(e);
        }
        self.add_running(config, Some(source), false)?;
        Ok(self.status())
    }

    /// Changes a saved queue: a new URL (`None` keeps it), what its messages are, paused or
    /// not. The consumer starts again; a stream goes on from where it stopped.
    pub fn change_queue(
        &self,
        id: &str,
        url: Option<String>,
        format: Format,
        paused: bool,
    ) -> Result<SourcesStatus, Error> {
        let url = url.map(|u| u.trim().to_owned()).filter(|u| !u.is_empty());
        let mut config = {
            let running = lock(&self.0.running);
            let queue = running
                .queues
                .iter()
                .find(|q| q.config.id == id)
                .ok_or_else(|| Error::invalid("id", format!("no source {id:?}")))?;
            if queue.from_environment {
                return Err(Error::invalid(
                    "id",
                    "this queue is set by EVENTDESK_AMQP_QUEUE; change it there",
                ));
            }
            queue.config.clone()
        };
        let source = match &url {
            Some(url) => {
                let source = QueueSource {
                    url: url.clone(),
                    queue: config.queue.clone(),
                    kind: config.kind,
                };
                source.validate()?;
                source
            }
            None => self.source_of(&config)?,
        };
        if url.is_some() {
            self.0.secrets.set(&url_secret(id), &source.url)?;
            config.shown_url = source.shown_url();
        }
        config.format = format;
        config.paused = paused;
        {
            let mut running = lock(&self.0.running);
            if let Some(saved) = running.config.queues.iter_mut().find(|q| q.id == id) {
                *saved = config.clone();
            }
        }
        self.save()?;
        // Stop the consumer, then start one with the new set-up (unless paused).
        let mut running = lock(&self.0.running);
        let Some(queue) = running.queues.iter_mut().find(|q| q.config.id == id) else {
            return Err(Error::invalid("id", format!("no source {id:?}")));
        };
        queue.halt();
        queue.config = config;
        // A cell of its own for the new consumer (the old one marks its cell stopped when it
        // ends); what was done so far carries over.
        let mut carried = amqp::status_of(&queue.status);
        carried.url = queue.config.shown_url.clone();
        carried.state = QueueState::Paused;
        queue.status = Arc::new(Mutex::new(carried));
        if !paused {
            let stop = self.consume(queue, source)?;
            queue.stop = Some(stop);
        }
        drop(running);
        Ok(self.status())
    }

    /// Stops reading a queue and forgets it (and its URL). Where it stopped in a stream stays
    /// in the database: added again, it goes on from there.
    pub fn remove_queue(&self, id: &str) -> Result<SourcesStatus, Error> {
        {
            let mut running = lock(&self.0.running);
            let Some(at) = running.queues.iter().position(|q| q.config.id == id) else {
                return Err(Error::invalid("id", format!("no source {id:?}")));
            };
            if running.queues[at].from_environment {
                return Err(Error::invalid(
                    "id",
                    "this queue is set by EVENTDESK_AMQP_QUEUE; change it there",
                ));
            }
            running.queues.remove(at).halt();
            running.config.queues.retain(|q| q.id != id);
        }
        self.save()?;
        self.0.secrets.delete(&url_secret(id))?;
        Ok(self.status())
    }

    /// Stops every source (the app is exiting).
    pub fn stop(&self) {
        let mut running = lock(&self.0.running);
        // Dropped: told to stop, not waited for.
        drop(running.http.take());
        for q in &mut running.queues {
            q.halt();
        }
    }
}

fn url_secret(id: &str) -> String {
    format!("amqp:{id}")
}

/// 32 random letters and digits.
fn new_token() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    let mut rng = rand::rng();
    (0..32)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}
