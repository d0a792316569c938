-- Eventdesk schema, version 13: labels, the key → value pairs a source attaches to an event
-- (Alertmanager's labels, PagerDuty's component, group, class and flat custom details).
--
-- An event's labels are those of the message that created it, and never change: like its kind
-- and source they say which thing is in trouble (Alertmanager's fingerprint is a hash of the
-- labels), so a trigger that repeats the alert updates the event and leaves its labels alone.
-- `events.labels` holds them for showing (a JSON object, keys sorted; NULL for none);
-- `event_labels` holds them for filtering: one row per label, in (key, value, event_id)
-- order, so a filter reads the ids of `key = value` as one range in id order. Rows are only
-- ever added with their event: the reader's memory keeps each filtered label's ids and reads
-- only ids past the last it read (read/memory).
ALTER TABLE events ADD COLUMN labels TEXT;

CREATE TABLE event_labels (
    key      TEXT    NOT NULL,
    value    TEXT    NOT NULL,
    event_id INTEGER NOT NULL REFERENCES events (id),
    PRIMARY KEY (key, value, event_id)
) WITHOUT ROWID;

CREATE TRIGGER event_labels_never_change BEFORE UPDATE ON event_labels BEGIN
    SELECT RAISE(ABORT, 'Eventdesk: an event''s labels never change');
END;

CREATE TRIGGER event_labels_are_never_deleted BEFORE DELETE ON event_labels BEGIN
    SELECT RAISE(ABORT, 'Eventdesk: an event''s labels never change');
END;

CREATE TRIGGER events_keep_their_labels BEFORE UPDATE OF labels ON events
WHEN NEW.labels IS NOT OLD.labels BEGIN
    SELECT RAISE(ABORT, 'Eventdesk: an event''s labels never change');
END;
