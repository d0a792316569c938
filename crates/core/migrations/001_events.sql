-- Eventdesk schema, version 1. Released: never edit; add a new migration.
PRAGMA application_id = 1163281483; -- 0x4556444B, "EVDK"

CREATE TABLE events (
    id           INTEGER PRIMARY KEY,
    kind         TEXT    NOT NULL,
    source       TEXT    NOT NULL,
    severity     INTEGER NOT NULL CHECK (severity BETWEEN 0 AND 3), -- 0 info .. 3 critical
    title        TEXT    NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('open', 'acknowledged', 'completed')),
    created_at   INTEGER NOT NULL, -- Unix ms
    updated_at   INTEGER NOT NULL,
    updated_by   TEXT    NOT NULL CHECK (updated_by IN ('user', 'simulator')),
    completed_at INTEGER,
    completed_by TEXT CHECK (completed_by IN ('user', 'simulator')),
    reopened_at  INTEGER,
    reopened_by  TEXT CHECK (reopened_by IN ('user', 'simulator')),
    version      INTEGER NOT NULL DEFAULT 1 CHECK (version >= 1),
    CHECK ((status = 'completed') = (completed_at IS NOT NULL AND completed_by IS NOT NULL))
);

-- The simulator looks for user-completed events to override.
CREATE INDEX events_completed_by ON events (completed_by, id) WHERE status = 'completed';

-- Append-only change log. seq is global and strictly increasing (AUTOINCREMENT never reuses).
CREATE TABLE changes (
    seq      INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id INTEGER NOT NULL REFERENCES events (id),
    at       INTEGER NOT NULL,
    actor    TEXT    NOT NULL CHECK (actor IN ('user', 'simulator')),
    field    TEXT    NOT NULL CHECK (field IN ('created', 'status', 'severity')),
    from_value TEXT,
    to_value   TEXT  NOT NULL
);
CREATE INDEX changes_by_event ON changes (event_id, seq);

-- Maintained counts by status and severity, so totals never need a full COUNT(*).
CREATE TABLE event_counts (
    status   TEXT    NOT NULL,
    severity INTEGER NOT NULL,
    n        INTEGER NOT NULL,
    PRIMARY KEY (status, severity)
) WITHOUT ROWID;

CREATE TRIGGER event_counts_insert AFTER INSERT ON events BEGIN
    INSERT INTO event_counts (status, severity, n) VALUES (NEW.status, NEW.severity, 1)
    ON CONFLICT (status, severity) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER event_counts_update AFTER UPDATE OF status, severity ON events
WHEN OLD.status IS NOT NEW.status OR OLD.severity IS NOT NEW.severity BEGIN
    UPDATE event_counts SET n = n - 1 WHERE status = OLD.status AND severity = OLD.severity;
    INSERT INTO event_counts (status, severity, n) VALUES (NEW.status, NEW.severity, 1)
    ON CONFLICT (status, severity) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER event_counts_delete AFTER DELETE ON events BEGIN
    UPDATE event_counts SET n = n - 1 WHERE status = OLD.status AND severity = OLD.severity;
END;
