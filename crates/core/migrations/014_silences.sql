-- Eventdesk schema, version 14: silences. A silence mutes the events its matchers match
-- (model::matcher) between its start and its end; a muted event is never changed.
--
-- Each row is one version of a silence: made, edited (a new version) or expired early (a new
-- version ending then). The newest version of an id is the silence; older ones are its
-- history. Rows are never changed or deleted, so the number of rows tells a reader whether
-- silences changed. Times are Unix ms; `made_at` is the log's time when the version was made.
CREATE TABLE silences (
    id        INTEGER NOT NULL CHECK (id >= 1),
    version   INTEGER NOT NULL CHECK (version >= 1),
    matchers  TEXT    NOT NULL, -- JSON: [{name, op, value}]
    starts_at INTEGER NOT NULL,
    ends_at   INTEGER NOT NULL CHECK (ends_at >= starts_at),
    author    TEXT    NOT NULL, -- who made this version (an actor's stored form)
    comment   TEXT    NOT NULL,
    made_at   INTEGER NOT NULL,
    PRIMARY KEY (id, version)
) WITHOUT ROWID;

CREATE TRIGGER silences_are_never_rewritten BEFORE UPDATE ON silences BEGIN
    SELECT RAISE(ABORT, 'Eventdesk: a silence''s versions are never rewritten');
END;

CREATE TRIGGER silences_are_never_deleted BEFORE DELETE ON silences BEGIN
    SELECT RAISE(ABORT, 'Eventdesk: a silence''s versions are never rewritten');
END;
