-- Eventdesk schema, version 19: notes. A note is a 'note' entry of the change log (its text as
-- the new value; the hook of this migration lets the log and a team's action outcomes say so,
-- see db::open). It changes neither the event's state nor its version, so it never conflicts
-- with an action. The event keeps its notes' text too (`notes`, one per line, in the order
-- written), for search: the search index gains a column for it and is built again (it cannot
-- gain a column in place), and an event whose notes change is indexed again, as a retitled
-- one is (migration 7).
ALTER TABLE events ADD COLUMN notes TEXT;
DROP TRIGGER events_title_reindexed;
DROP TABLE events_fts_terms;
DROP TABLE events_fts;
CREATE VIRTUAL TABLE events_fts USING fts5 (
    title, kind, source, notes,
    content = 'events', content_rowid = 'id',
    tokenize = 'unicode61',
    prefix = '1 2 3'
);
INSERT INTO events_fts (events_fts) VALUES ('rebuild');
CREATE VIRTUAL TABLE events_fts_terms USING fts5vocab(events_fts, row);
CREATE TRIGGER events_text_reindexed AFTER UPDATE OF title, notes ON events
WHEN (NEW.title IS NOT OLD.title OR NEW.notes IS NOT OLD.notes)
  AND EXISTS (SELECT 1 FROM events_fts_docsize WHERE id = OLD.id) BEGIN
    INSERT INTO events_fts (events_fts, rowid, title, kind, source, notes)
        VALUES ('delete', OLD.id, OLD.title, OLD.kind, OLD.source, OLD.notes);
    INSERT INTO events_fts (rowid, title, kind, source, notes)
        VALUES (NEW.id, NEW.title, NEW.kind, NEW.source, NEW.notes);
END;
