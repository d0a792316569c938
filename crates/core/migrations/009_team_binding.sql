-- Eventdesk schema, version 9: a team desk's file is bound to its team. While `team_binding`
-- has its one row, nothing but applying that team's stream changes the file's events
-- (`WriteTxn` refuses every other writer with `TeamFile`), so desks never diverge through a
-- local write.
CREATE TABLE team_binding (
    one      INTEGER PRIMARY KEY CHECK (one = 1),
    stream   TEXT    NOT NULL,
    bound_at INTEGER NOT NULL -- Unix ms, this desk's clock
);
