-- Eventdesk schema, version 17: timers. An acknowledgement may time out (the event is open
-- again) and an event with no change for a while may expire (it completes itself), each as a
-- change in the log made by the actor `timer:ack-timeout` or `timer:expiry` (the hook of
-- this migration lets the actor columns say so, db::open).
-- `acked_at` is when the event was last acknowledged (set while it is acknowledged); the two
-- partial indexes find the next acknowledgement and the next event to time out, per severity
-- and overall, without reading the events that cannot.
ALTER TABLE events ADD COLUMN acked_at INTEGER;
UPDATE events SET acked_at = coalesce(
    (SELECT max(at) FROM changes
     WHERE changes.event_id = events.id AND field = 'status' AND to_value = 'acknowledged'),
    updated_at)
WHERE status = 'acknowledged';
CREATE INDEX events_acked ON events (severity, acked_at) WHERE status = 'acknowledged';
CREATE INDEX events_unfinished ON events (updated_at) WHERE status <> 'completed';
-- A team's timers, as its admin set them (JSON of model::TimerPolicy; NULL: none).
ALTER TABLE team_binding ADD COLUMN timers TEXT;
