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

CREATE TRIGGER events_fts_insert AFTER INSERT ON events BEGIN
    INSERT INTO events_fts (rowid, title, kind, source) VALUES (NEW.id, NEW.title, NEW.kind, NEW.source);
END;
CREATE TRIGGER events_fts_update AFTER UPDATE OF title, kind, source ON events BEGIN
    INSERT INTO events_fts (events_fts, rowid, title, kind, source) VALUES ('delete', OLD.id, OLD.title, OLD.kind, OLD.source);
    INSERT INTO events_fts (rowid, title, kind, source) VALUES (NEW.id, NEW.title, NEW.kind, NEW.source);
END;
CREATE TRIGGER events_fts_delete AFTER DELETE ON events BEGIN
    INSERT INTO events_fts (events_fts, rowid, title, kind, source) VALUES ('delete', OLD.id, OLD.title, OLD.kind, OLD.source);
END;
