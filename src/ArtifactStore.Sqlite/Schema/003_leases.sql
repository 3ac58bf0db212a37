-- Version 3: leases that let several processes share one database safely (docs/jobs.md, docs/gc.md).
-- maintenance_leases: who runs a store-wide task (gc, retention_sweep) until when; operational state.
CREATE TABLE maintenance_leases (
    name       TEXT PRIMARY KEY,
    holder     TEXT NOT NULL,
    expires_at TEXT NOT NULL
) WITHOUT ROWID;

-- A cancel asked for through any process; the process holding the job's lease stops the attempt.
ALTER TABLE job_leases ADD COLUMN cancel_requested_at TEXT;
