//! A desk's own ways in as the window runs them, headless (`desk::Sources`): the endpoint turned
//! on and used, a queue added, read, kept across a restart and removed; on a team desk the
//! endpoint publishes to the team's stream and queues are not read, saying why.

use crate::support::{broker, post, trigger, unique, wait, Desk};
use eventdesk_core::model::MessageLimits;
use eventdesk_core::services::ingest::Format;
use eventdesk_core::services::team::{Replica, TeamRef};
use eventdesk_core::Error;
use eventdesk_sources::amqp::{self, Broker, Publisher, QueueKind, QueueState, Until};
use eventdesk_sources::desk::{FromEnvironment, SecretStore, Sources, SourcesStatus};
use eventdesk_sources::gateway::StreamSink;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Secrets kept in memory, as a desk without a credential store keeps them.
#[derive(Default)]
struct Memory(Mutex<HashMap<String, String>>);

impl SecretStore for Memory {
    fn get(&self, name: &str) -> Result<Option<String>, Error> {
        Ok(self.0.lock().unwrap().get(name).cloned())
    }
    fn set(&self, name: &str, secret: &str) -> Result<(), Error> {
        self.0
            .lock()
            .unwrap()
            .insert(name.to_owned(), secret.to_owned());
        Ok(())
    }
    fn delete(&self, name: &str) -> Result<(), Error> {
        self.0.lock().unwrap().remove(name);
        Ok(())
    }
    fn is_system(&self) -> bool {
        false
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn publish(url: &str, stream: &str, bodies: Vec<Vec<u8>>) {
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        let p = Publisher::connect(&Broker::parse(url, None).unwrap())
            .await
            .unwrap();
        p.declare(stream, QueueKind::Stream, None, None, None)
            .await
            .unwrap();
        p.publish("", stream, bodies).await.unwrap();
    });
}

fn listening(status: &SourcesStatus) -> std::net::SocketAddr {
    status.http.listening.as_ref().unwrap()["http://".len()..]
        .parse()
        .unwrap()
}

#[test]
fn a_desks_endpoint_and_queues_are_set_up_read_kept_across_a_restart_and_removed() {
    let url = broker();
    let desk = Desk::new();
    let secrets: Arc<dyn SecretStore> = Arc::new(Memory::default());
    let rt = tokio::runtime::Runtime::new().unwrap();
    let start = || {
        rt.block_on(Sources::start(
            desk.store.clone(),
            secrets.clone(),
            FromEnvironment::default(),
            None,
        ))
    };
    let (sources, notes) = start();
    assert!(notes.is_empty(), "{notes:?}");
    assert!(!sources.status().http.enabled);

    // The endpoint: on, with a token of the desk's own, applying to the desk's file.
    let status = rt.block_on(sources.set_http(true, free_port())).unwrap();
    let token = sources.token().unwrap();
    let answer = post(
        listening(&status),
        "/v2/enqueue",
        &token,
        &trigger("h1", "From HTTP", "error"),
    );
    assert_eq!(answer.status, 202, "{:?}", answer.body);
    assert_eq!(desk.counts().0, 1);

    // A stream: read at once, and again after a restart from where it stopped.
    let stream = unique("desk-stream");
    publish(
        &url,
        &stream,
        vec![trigger("q1", "From RabbitMQ", "warning")
            .to_string()
            .into_bytes()],
    );
    let status = sources
        .add_queue(url.clone(), stream.clone(), QueueKind::Stream, Format::Auto)
        .unwrap();
    assert!(!status.queues[0].status.url.contains("guest:guest"));
    wait("the stream's event", || desk.counts().0 == 2);
    sources.stop();
    drop(sources);
    publish(
        &url,
        &stream,
        vec![trigger("q2", "While stopped", "info")
            .to_string()
            .into_bytes()],
    );
    let (sources, _) = start();
    assert!(
        sources.status().http.enabled,
        "the endpoint's set-up was kept"
    );
    assert_eq!(sources.status().queues.len(), 1, "the queue was kept");
    wait("the event published while stopped", || desk.counts().0 == 3);
    let id = sources.status().queues[0].id.clone();
    let status = sources.remove_queue(&id).unwrap();
    assert!(status.queues.is_empty());
    assert_eq!(
        secrets.get(&format!("amqp:{id}")).unwrap(),
        None,
        "its URL is forgotten"
    );
    // Refused before anything is saved.
    assert!(sources
        .add_queue(
            "http://x".into(),
            "q".into(),
            QueueKind::Stream,
            Format::Auto
        )
        .is_err());
    assert!(rt.block_on(sources.set_http(true, 80)).is_err());
    sources.stop();
}

#[test]
fn on_a_team_desk_the_endpoint_publishes_to_the_stream_and_queues_are_not_read() {
    let url = broker();
    let team_stream = unique("desk-team");
    publish(&url, &team_stream, Vec::new());
    let broker_ = Broker::parse(&url, None).unwrap();
    let sink = StreamSink::new(broker_.clone(), &team_stream, MessageLimits::default()).unwrap();
    let desk = Desk::new();
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (sources, _) = rt.block_on(Sources::start(
        desk.store.clone(),
        Arc::new(Memory::default()),
        FromEnvironment::default(),
        Some(sink),
    ));
    let status = rt.block_on(sources.set_http(true, free_port())).unwrap();
    let token = sources.token().unwrap();
    let answer = post(
        listening(&status),
        "/v2/enqueue",
        &token,
        &trigger("t1", "Through the team", "error"),
    );
    assert_eq!(answer.status, 202, "{:?}", answer.body);
    // Not written here: published to the team's stream, where a replica finds it.
    assert_eq!(desk.counts().0, 0);
    let other = Desk::new();
    let replica =
        Replica::for_store(&other.store, &TeamRef::new(&team_stream, "guest").unwrap()).unwrap();
    let status_cell = amqp::status_cell(&amqp::QueueSource {
        broker: broker_.clone(),
        queue: team_stream.clone(),
        kind: QueueKind::Stream,
    });
    let (_stop, stopped) = tokio::sync::watch::channel(false);
    rt.block_on(amqp::consume(
        amqp::QueueSource {
            broker: broker_,
            queue: team_stream,
            kind: QueueKind::Stream,
        },
        replica,
        status_cell.clone(),
        stopped,
        Until::Idle(Duration::from_secs(2)),
    ));
    assert_eq!(amqp::status_of(&status_cell).activity.counts.created, 1);
    assert_eq!(other.counts().0, 1);

    // A queue on a team desk is not read, and says why.
    let status = sources
        .add_queue(url, unique("desk-queue"), QueueKind::Stream, Format::Auto)
        .unwrap();
    match &status.queues[0].status.state {
        QueueState::Failed { error, .. } => assert!(error.contains("gateway"), "{error}"),
        other => panic!("{other:?}"),
    }
    sources.stop();
}

/// The desk's own writes (settings, the credential store) run off the async runtime: while
/// another program holds the file's write lock, the runtime goes on serving other tasks (here
/// the one thread of a current-thread runtime), and the save goes through once the lock is let
/// go. Run on the runtime itself, the save would hold that thread until SQLite gave up (`Busy`).
#[test]
fn saving_while_another_program_writes_never_holds_up_the_runtime() {
    let desk = Desk::new();
    let secrets: Arc<dyn SecretStore> = Arc::new(Memory::default());
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (sources, _) = rt.block_on(Sources::start(
        desk.store.clone(),
        secrets,
        FromEnvironment::default(),
        None,
    ));
    // Another program takes the write lock and keeps it until a task on the runtime has run.
    let (locked_tx, locked) = std::sync::mpsc::channel();
    let (ran_tx, ran) = std::sync::mpsc::channel::<()>();
    let other = rusqlite::Connection::open(desk.path()).unwrap();
    let holder = std::thread::spawn(move || {
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        locked_tx.send(()).unwrap();
        let went_on = ran.recv_timeout(Duration::from_secs(30)).is_ok();
        other.execute_batch("COMMIT").unwrap();
        went_on
    });
    locked.recv().unwrap();
    let (saved, token) = rt.block_on(async {
        let marker = tokio::spawn(async move {
            let _ = ran_tx.send(());
        });
        let saved = sources.set_http(false, free_port()).await;
        let token = sources.new_token().await;
        marker.await.unwrap();
        (saved, token)
    });
    assert!(
        holder.join().unwrap(),
        "the runtime never ran the other task"
    );
    let saved = saved.unwrap();
    assert!(!saved.http.enabled);
    assert_eq!(sources.token().unwrap(), token.unwrap());
}
