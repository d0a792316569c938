-- Eventdesk schema, version 10: who acts in a team is proved by the broker, and a replica is
-- tied to the stream it was made from.
--
-- The binding now names the team's founding admin (from the join string `STREAM/ADMIN`), the
-- team's limits as its admins set them in the log, and what this desk knows of the stream's
-- identity: the offset and digest of the first message it applied, and the digest of the last
-- one (checked against the stream before a desk goes on, so a re-created or different stream
-- is refused rather than skipped). A file bound before this version has no founder: it must
-- be replicated again into a new file.
ALTER TABLE team_binding ADD COLUMN admin TEXT;
ALTER TABLE team_binding ADD COLUMN first_offset INTEGER;
ALTER TABLE team_binding ADD COLUMN first_digest TEXT;
ALTER TABLE team_binding ADD COLUMN last_offset INTEGER;
ALTER TABLE team_binding ADD COLUMN last_digest TEXT;
ALTER TABLE team_binding ADD COLUMN max_message INTEGER NOT NULL DEFAULT 262144;
ALTER TABLE team_binding ADD COLUMN max_alerts INTEGER NOT NULL DEFAULT 1000;

-- The team's roster at this point of the log: each broker user with a role. The founder is
-- an admin from the start and stays one.
CREATE TABLE team_roster (
    user         TEXT    PRIMARY KEY,
    role         TEXT    NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    name         TEXT,
    since_offset INTEGER NOT NULL -- the roster message that gave the role (-1: the founder)
) WITHOUT ROWID;

-- Team messages refused, the same on every desk: an action or roster change by someone who
-- may not make it, a message without a proven user, a copy of an action already applied, a
-- message too large or malformed. One row per message, by offset.
CREATE TABLE team_rejected (
    stream_offset INTEGER PRIMARY KEY,
    user_id       TEXT,
    action_id     TEXT,
    reason        TEXT    NOT NULL,
    size          INTEGER NOT NULL,
    at            INTEGER NOT NULL -- Unix ms, when this desk applied it
);
CREATE INDEX team_rejected_by_action ON team_rejected (action_id) WHERE action_id IS NOT NULL;

-- Team messages applied, by a 64-bit digest of their origin id (AMQP message_id) and content,
-- so that a message published again (a retry after a lost confirm) is applied once. Kept for
-- the last 10,000 offsets (older rows are swept by a scan every 5,000 offsets): a retry comes
-- within seconds.
CREATE TABLE team_seen (
    digest        INTEGER PRIMARY KEY,
    stream_offset INTEGER NOT NULL
);
