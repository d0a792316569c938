-- Eventdesk schema, version 15: silences on team desks. A team's silences travel through its
-- stream; `origin` is the id of the team message that made a version (NULL for a version made
-- on a desk working alone), so that the desk that sent it finds what became of it and a copy
-- of the message is applied once.
ALTER TABLE silences ADD COLUMN origin TEXT;
CREATE UNIQUE INDEX silences_by_origin ON silences (origin) WHERE origin IS NOT NULL;

-- The longest a team's silences may last, in days: set by its admins in the log.
ALTER TABLE team_binding ADD COLUMN max_silence_days INTEGER NOT NULL DEFAULT 30;
