//! What the ingest and team benchmarks share: sizes from the environment and the bare
//! consumer that is their floor.

use futures_lite::StreamExt;
use std::time::{Duration, Instant};

pub fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Reads `stream` from its start with a bare consumer until `count` messages were acknowledged.
pub async fn bare_consumer(url: &str, stream: &str, count: usize) -> Duration {
    let conn = lapin::Connection::connect(url, lapin::ConnectionProperties::default())
        .await
        .unwrap();
    let channel = conn.create_channel().await.unwrap();
    channel
        .basic_qos(3_000, lapin::options::BasicQosOptions::default())
        .await
        .unwrap();
    let mut args = lapin::types::FieldTable::default();
    args.insert(
        "x-stream-offset".into(),
        lapin::types::AMQPValue::LongString("first".into()),
    );
    let mut consumer = channel
        .basic_consume(
            stream.into(),
            "bench".into(),
            lapin::options::BasicConsumeOptions::default(),
            args,
        )
        .await
        .unwrap();
    let started = Instant::now();
    let mut seen = 0;
    while let Some(delivery) = consumer.next().await {
        let delivery = delivery.unwrap();
        seen += 1;
        if seen % 500 == 0 || seen == count {
            delivery
                .ack(lapin::options::BasicAckOptions { multiple: true })
                .await
                .unwrap();
        }
        if seen == count {
            break;
        }
    }
    started.elapsed()
}
