-- Eventdesk schema, version 8: team desks. A desk in a team is a replica of the team's
-- RabbitMQ stream: every event and every operator's action comes from the stream and is
-- applied in stream order, the offset stored in the same transaction (`ingest_offsets`,
-- source `team:STREAM`).
--
-- An event's identity in a team is its team key: the stream offset of the message that
-- created it (`1234`, or `1234.2` for the third alert of one message). Local ids may differ
-- between desks; the key does not.
ALTER TABLE events ADD COLUMN team_key TEXT;
CREATE UNIQUE INDEX events_team_key ON events (team_key) WHERE team_key IS NOT NULL;

-- What each action read from a team's stream did, the same on every desk: applied, refused
-- as a conflict (`winner`: who made the change the action did not expect), or left alone
-- (no such event, or the action does not apply; `detail` says why). One row per event an
-- action named (`part`: its place in a bulk action).
CREATE TABLE team_actions (
    stream           TEXT    NOT NULL,
    stream_offset    INTEGER NOT NULL,
    part             INTEGER NOT NULL,
    action_id        TEXT    NOT NULL,
    desk             TEXT    NOT NULL,
    operator         TEXT    NOT NULL,
    action           TEXT    NOT NULL CHECK (action IN ('acknowledge', 'complete', 'reopen')),
    event_key        TEXT    NOT NULL,
    expected_version INTEGER NOT NULL,
    outcome          TEXT    NOT NULL CHECK (outcome IN ('done', 'conflict', 'notFound', 'skipped')),
    winner           TEXT,
    detail           TEXT,
    at               INTEGER NOT NULL, -- Unix ms, when this desk applied it
    PRIMARY KEY (stream, stream_offset, part)
) WITHOUT ROWID;
CREATE INDEX team_actions_by_id ON team_actions (action_id);
