-- Eventdesk schema, version 3: indexes for filtered and sorted views, and full-text search.
CREATE INDEX events_status   ON events (status, id);
CREATE INDEX events_severity ON events (severity, id);
CREATE INDEX events_updated  ON events (updated_at, id);
CREATE INDEX events_kind     ON events (kind, id);
CREATE INDEX events_source   ON events (source, id);
CREATE INDEX events_created  ON events (created_at);

-- Title, kind and source, indexed for MATCH; the text lives in `events` (external content).
CREATE VIRTUAL TABLE events_fts USING fts5 (
    title, kind, source,
    content = 'events', content_rowid = 'id',
    tokenize = 'unicode61'
);
INSERT INTO events_fts (rowid, title, kind, source) SELECT id, title, kind, source FROM events;

-- No triggers keep events_fts in step: a trigger would write the FTS table in every statement,
-- and FTS5 flushes its pending terms to disk at every statement savepoint. Instead WriteTxn adds
-- the events a transaction created in one statement just before commit, and seeding rebuilds
-- the index. Titles, kinds and sources never change once an event exists.
