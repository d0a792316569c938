-- Eventdesk schema, version 5: `event_counts` is kept by the write path instead of triggers.
-- Every write goes through WriteTxn, which sums each transaction's moves between (status,
-- severity) cells and applies them once at commit. The triggers cost a temporary b-tree per
-- firing (updates of a WITHOUT ROWID table inside a trigger cannot run in one pass), a large
-- share of every simulator change. Events are never deleted, so no delete trigger is needed.
DROP TRIGGER event_counts_insert;
DROP TRIGGER event_counts_update;
DROP TRIGGER event_counts_delete;
DELETE FROM event_counts;
INSERT INTO event_counts (status, severity, n)
SELECT status, severity, count(*) FROM events GROUP BY 1, 2;
