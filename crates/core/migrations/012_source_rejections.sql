-- Eventdesk schema, version 12: what each source refused, kept with the batch that refused it.
--
-- One row per source and reason (at most 300 characters, see `model::bounded_reason`): a
-- sender repeating the same mistake adds to its row's count instead of adding rows, and the
-- write path keeps a source's 50 most recent reasons. So what a sender sends can neither grow
-- the file without bound nor push the operator's view of its mistakes out of sight.
CREATE TABLE source_rejections (
    source     TEXT    NOT NULL, -- the channel: pagerduty, alertmanager, stdin, rabbitmq:QUEUE
    reason     TEXT    NOT NULL,
    count      INTEGER NOT NULL CHECK (count >= 1),
    first_at   INTEGER NOT NULL, -- Unix ms
    last_at    INTEGER NOT NULL,
    last_place TEXT,             -- offset 1234, message m-17
    PRIMARY KEY (source, reason)
) WITHOUT ROWID;
CREATE INDEX source_rejections_by_time ON source_rejections (source, last_at);
