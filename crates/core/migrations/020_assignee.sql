-- Eventdesk schema, version 20: claim and assign. An event may be assigned to an operator (the
-- desk's own, `user`, or a named one, `operator:NAME`); each claim, assignment and release is
-- an 'assignee' entry of the change log (from and to: the actor, or '' for nobody) and a new
-- version, so two claims of one version are a conflict the first in the log wins. The hook
-- of this migration lets the log and a team's action outcomes say so (db::open). The index
-- serves "assigned to X" views in time order; "nobody" is every other event.
ALTER TABLE events ADD COLUMN assignee TEXT
    CHECK (assignee IS NULL OR assignee = 'user' OR assignee GLOB 'operator:?*');
CREATE INDEX events_assignee ON events (assignee, id) WHERE assignee IS NOT NULL;
