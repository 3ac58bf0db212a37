-- Jobs (docs/jobs.md). jobs is a view derived from the v1.job.* events; job_leases is operational state.
CREATE TABLE jobs (
    id                TEXT    PRIMARY KEY,
    type              TEXT    NOT NULL,
    state             TEXT    NOT NULL,
    attempts          INTEGER NOT NULL,
    max_attempts      INTEGER NOT NULL,
    options           TEXT    NOT NULL,
    output_class      TEXT    NOT NULL,
    created_at        TEXT    NOT NULL,
    created_by        TEXT    NOT NULL,
    started_at        TEXT,
    finished_at       TEXT,
    not_before        TEXT    NOT NULL,
    input_package_id  TEXT    NOT NULL,
    output_package_id TEXT,
    log_package_id    TEXT,
    error_code        TEXT,
    error_message     TEXT,
    exit_code         INTEGER,
    pinned            INTEGER NOT NULL DEFAULT 0,
    expires_at        TEXT,
    expired_at        TEXT
) WITHOUT ROWID;
CREATE INDEX jobs_by_state ON jobs (state, id);
CREATE INDEX jobs_by_type ON jobs (type, state, id);
-- Workers read only queued jobs, the one whose backoff ends first.
CREATE INDEX jobs_queued ON jobs (not_before, id) WHERE state = 'queued';
-- The sweeper reads only finished, unpinned jobs by expiry.
CREATE INDEX jobs_expiring ON jobs (expires_at, id) WHERE state IN ('succeeded', 'failed', 'canceled') AND pinned = 0 AND expires_at IS NOT NULL;
-- Tombstone purge reads only expired jobs, oldest first.
CREATE INDEX jobs_expired ON jobs (expired_at, id) WHERE state = 'expired';
-- A package is kept while a job that is pinned or not finished refers to it.
CREATE INDEX jobs_by_input ON jobs (input_package_id);
CREATE INDEX jobs_by_output ON jobs (output_package_id) WHERE output_package_id IS NOT NULL;
CREATE INDEX jobs_by_log ON jobs (log_package_id) WHERE log_package_id IS NOT NULL;

CREATE TABLE job_leases (
    job_id        TEXT    PRIMARY KEY,
    owner         TEXT    NOT NULL,
    attempt       INTEGER NOT NULL,
    expires_at    TEXT    NOT NULL,
    process_group INTEGER
) WITHOUT ROWID;
