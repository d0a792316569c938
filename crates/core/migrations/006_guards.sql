-- Eventdesk schema, version 6: the rules the read connection's memory relies on, held by the
-- database itself. Events are never deleted; an event's id, title, kind, source and creation
-- time never change; the change log is only ever appended to. Every write of the app keeps
-- these rules; these triggers stop a hand edit (or a bug) that would break them, before
-- anything is written. (New events also get larger ids than every event before them; a
-- trigger checking that on every insert cost a third of the simulator's throughput, so the
-- reader notices inserts made outside the change log instead: see read/memory.)
CREATE TRIGGER events_are_never_deleted BEFORE DELETE ON events BEGIN
    SELECT RAISE(ABORT, 'Eventdesk: events are never deleted');
END;

CREATE TRIGGER events_keep_their_text BEFORE UPDATE OF id, title, kind, source, created_at ON events
WHEN NEW.id IS NOT OLD.id OR NEW.title IS NOT OLD.title OR NEW.kind IS NOT OLD.kind
  OR NEW.source IS NOT OLD.source OR NEW.created_at IS NOT OLD.created_at BEGIN
    SELECT RAISE(ABORT, 'Eventdesk: an event''s id, title, kind, source and creation time never change');
END;

CREATE TRIGGER changes_are_never_rewritten BEFORE UPDATE ON changes BEGIN
    SELECT RAISE(ABORT, 'Eventdesk: the change log is never rewritten');
END;

CREATE TRIGGER changes_are_never_deleted BEFORE DELETE ON changes BEGIN
    SELECT RAISE(ABORT, 'Eventdesk: the change log is never rewritten');
END;
