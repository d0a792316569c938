-- Eventdesk schema, version 11: a dedup key belongs to the source that raised it.
--
-- A trigger, acknowledge or resolve finds only the events its own source raised (or, when a
-- setting joins sources, those of the sources joined with it), so that one sender cannot
-- raise, acknowledge or resolve another sender's events by using the same key. The owner is
-- the actor that created the event, kept beside its key; events with a key from before this
-- version get it from their creation in the change log.
ALTER TABLE events ADD COLUMN dedup_owner TEXT;
UPDATE events SET dedup_owner = (
    SELECT actor FROM changes
    WHERE changes.event_id = events.id AND changes.field = 'created'
    ORDER BY seq LIMIT 1
) WHERE dedup_key IS NOT NULL;
