-- Eventdesk schema, version 6: the rules the read connection's memory relies on, held by the
-- database itself. Events are never deleted; an event's title, kind, source and creation time
-- never change; a new event has a larger id than every event before it; the change log is
-- only ever appended to. Every write of the app keeps these rules; these triggers stop a
-- hand edit (or a bug) that would break them, before anything is written.
CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events BEGIN
    SELECT RAISE(ABORT, 'Eventdesk: events are never deleted');
END;

CREATE TRIGGER events_keep_their_text BEFORE UPDATE OF id, title, kind, source, created_at ON events
WHEN NEW.id IS NOT OLD.id OR NEW.title IS NOT OLD.title OR NEW.kind IS NOT OLD.kind
  OR NEW.source IS NOT OLD.source OR NEW.created_at IS NOT OLD.created_at BEGIN
    SELECT RAISE(ABORT, 'Eventdesk: an event''s id, title, kind, source and creation time never change');
END;

CREATE TRIGGER events_come_in_id_order AFTER INSERT ON events
WHEN NEW.id < (SELECT max(id) FROM events) BEGIN
    SELECT RAISE(ABORT, 'Eventdesk: a new event must have a larger id than every event before it');
END;

CREATE TRIGGER changes_are_never_rewritten BEFORE UPDATE ON changes BEGIN
    SELECT RAISE(ABORT, 'Eventdesk: the change log is never rewritten');
END;

CREATE TRIGGER changes_are_never_deleted BEFORE DELETE ON changes BEGIN
    SELECT RAISE(ABORT, 'Eventdesk: the change log is never rewritten');
END;
