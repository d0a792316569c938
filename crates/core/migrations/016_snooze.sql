-- Eventdesk schema, version 16: snooze. An operator snoozes an event that is not completed
-- until a time: it leaves the views that hide snoozed events and comes back by itself when
-- that time passes (derived when reading, so no writer runs then), or earlier when its
-- severity rises or someone wakes it. Each snooze and wake is a 'snoozed' entry in the change
-- log (to: the time, or '' when woken); completing an event ends its snooze. The hook of this
-- migration lets the log and a team's action outcomes say so (db::open).
ALTER TABLE events ADD COLUMN snoozed_until INTEGER;
CREATE INDEX events_snoozed ON events (snoozed_until) WHERE snoozed_until IS NOT NULL;
