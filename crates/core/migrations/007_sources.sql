-- Eventdesk schema, version 7: events that come from outside sources, and actors with names.
--
-- A source that raises an event again with another summary retitles it (the title follows
-- the source), so the rule of migration 6 that a title never changes is relaxed: the write
-- path logs every retitle (field `title`), the trigger below keeps the search index in step
-- (whoever changes a title), and the reader's memory re-checks the retitled events' search
-- hits from the log (and forgets everything after an edit outside the log). An event created
-- in the same transaction is not in the index yet (new events are indexed at commit): the
-- index's own list of documents (`events_fts_docsize`) says so, and there is nothing to
-- re-index. (A full scan of `events_fts` would not: it reads the content table.)
DROP TRIGGER events_keep_their_text;
CREATE TRIGGER events_keep_their_text BEFORE UPDATE OF id, kind, source, created_at ON events
WHEN NEW.id IS NOT OLD.id OR NEW.kind IS NOT OLD.kind
  OR NEW.source IS NOT OLD.source OR NEW.created_at IS NOT OLD.created_at BEGIN
    SELECT RAISE(ABORT, 'Eventdesk: an event''s id, kind, source and creation time never change');
END;
CREATE TRIGGER events_title_reindexed AFTER UPDATE OF title ON events
WHEN NEW.title IS NOT OLD.title
  AND EXISTS (SELECT 1 FROM events_fts_docsize WHERE id = OLD.id) BEGIN
    INSERT INTO events_fts (events_fts, rowid, title, kind, source)
        VALUES ('delete', OLD.id, OLD.title, OLD.kind, OLD.source);
    INSERT INTO events_fts (rowid, title, kind, source)
        VALUES (NEW.id, NEW.title, NEW.kind, NEW.source);
END;
--
-- An event a source raised carries the source's dedup key (a new trigger with the same key
-- updates the event while it is not completed), how often it was raised and when last, and
-- what the source sent beyond the title (JSON details, links). Actors may now be named
-- operators (`operator:NAME`) and sources (`source:NAME`): the CHECK constraints on actor
-- columns and on the change log's fields are widened by the migration's hook (see
-- db/open.rs), a change to the schema's text that no stored row has to be rewritten for.
ALTER TABLE events ADD COLUMN dedup_key TEXT;
ALTER TABLE events ADD COLUMN occurrences INTEGER NOT NULL DEFAULT 1 CHECK (occurrences >= 1);
ALTER TABLE events ADD COLUMN last_seen_at INTEGER; -- Unix ms; NULL: when it was created
ALTER TABLE events ADD COLUMN details TEXT;         -- JSON
ALTER TABLE events ADD COLUMN links TEXT;           -- JSON: [{"href": ..., "text": ...}]

-- The newest events with a key: a trigger finds the event it updates in one seek.
CREATE INDEX events_dedup ON events (dedup_key, id) WHERE dedup_key IS NOT NULL;

-- Where each stream consumer goes on: the offset after the last message applied, written in
-- the same transaction as the changes those messages made.
CREATE TABLE ingest_offsets (
    source      TEXT PRIMARY KEY,
    next_offset INTEGER NOT NULL
) WITHOUT ROWID;

-- Messages from queues that may deliver them again (classic and quorum queues acknowledge
-- after the commit): a redelivered message already applied is recognised here.
CREATE TABLE ingest_seen (
    source     TEXT    NOT NULL,
    message_id TEXT    NOT NULL,
    at         INTEGER NOT NULL,
    PRIMARY KEY (source, message_id)
) WITHOUT ROWID;
