-- Eventdesk schema, version 4: searches that stop after a page.
--
-- FTS5 answers a prefix query (`led*`) by merging the document list of every term with that
-- prefix before returning the first row. Two changes let it walk matches lazily instead:
-- prefixes of one to three characters get their own index (`prefix`), and longer prefixes are
-- expanded by the query planner into the few terms they stand for (`ledger*` → `ledger OR
-- ledgers`), read from the index's vocabulary.
DROP TABLE events_fts;
CREATE VIRTUAL TABLE events_fts USING fts5 (
    title, kind, source,
    content = 'events', content_rowid = 'id',
    tokenize = 'unicode61',
    prefix = '1 2 3'
);
INSERT INTO events_fts (events_fts) VALUES ('rebuild');
CREATE VIRTUAL TABLE events_fts_terms USING fts5vocab(events_fts, row);
