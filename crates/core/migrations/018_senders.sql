-- Eventdesk schema, version 18: senders. Each sender heard through a way in (`pagerduty`,
-- `alertmanager`, `rabbitmq:QUEUE`, `team:STREAM`) under its name (Alertmanager's
-- `alertname`, PagerDuty's `payload.source`), with when it was first and last heard, how
-- often, and its usual gap and spread (moving averages), from which a read tells a sender
-- that went quiet (model::Sender). Heartbeats are senders whose messages are never events.
CREATE TABLE senders (
    way       TEXT    NOT NULL,
    name      TEXT    NOT NULL,
    heartbeat INTEGER NOT NULL DEFAULT 0 CHECK (heartbeat IN (0, 1)),
    first_at  INTEGER NOT NULL,
    last_at   INTEGER NOT NULL,
    heard     INTEGER NOT NULL CHECK (heard >= 1),
    gap_ms    INTEGER,
    spread_ms INTEGER,
    PRIMARY KEY (way, name)
) WITHOUT ROWID;
