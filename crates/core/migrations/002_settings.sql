-- Eventdesk schema, version 2: settings that persist across restarts, as JSON by key.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;
