-- Layout of the PostgreSQL store database, version 1 (docs/postgres.md). The tables and their meaning are
-- those of the embedded database, so that the same Core rules project into both. Text is compared
-- byte-wise (COLLATE "C"), as SQLite does, so ordering never depends on the server's locale; times are
-- RFC 3339 text with milliseconds in UTC, which sorts as time does.

-- events: the append-only, hash-chained log; the source of truth. Every append runs under the head lock
-- (docs/events.md), which is what keeps seq gapless across processes; the key only guards against a bug.
CREATE TABLE events (
    seq         bigint  PRIMARY KEY,
    stream      text    COLLATE "C" NOT NULL,
    type        text    COLLATE "C" NOT NULL,
    occurred_at text    COLLATE "C" NOT NULL,
    actor       text    COLLATE "C" NOT NULL,
    payload     bytea   NOT NULL,
    prev_hash   bytea   NOT NULL,
    hash        bytea   NOT NULL
);
CREATE INDEX events_by_stream ON events (stream, seq);

-- Views: derived from the events and rebuilt by replaying them.
CREATE TABLE packages (
    id              text    COLLATE "C" PRIMARY KEY,
    name            text    COLLATE "C" NOT NULL,
    state           text    COLLATE "C" NOT NULL,
    created_at      text    COLLATE "C" NOT NULL,
    created_by      text    COLLATE "C" NOT NULL,
    manifest_sha256 text    COLLATE "C" NOT NULL,
    manifest_size   bigint  NOT NULL,
    retention_class text    COLLATE "C",
    expires_at      text    COLLATE "C",
    pinned          integer NOT NULL DEFAULT 0,
    eligible        integer NOT NULL DEFAULT 0,
    deleted_at      text    COLLATE "C",
    delete_reason   text    COLLATE "C",
    bytes_released  bigint
);
CREATE INDEX packages_by_state ON packages (state, id);
CREATE INDEX packages_by_name ON packages (name, state, id);
-- The sweeper reads only packages that have expired and are not yet eligible: its cost follows what expires.
CREATE INDEX packages_expiring ON packages (expires_at, id) WHERE state = 'live' AND eligible = 0 AND expires_at IS NOT NULL;
-- GC reads only eligible packages.
CREATE INDEX packages_eligible ON packages (id) WHERE state = 'live' AND eligible = 1;
-- Tombstone purge reads only deleted packages, oldest first.
CREATE INDEX packages_deleted ON packages (deleted_at, id) WHERE state = 'deleted';

CREATE TABLE package_files (
    package_id text    COLLATE "C" NOT NULL,
    path       text    COLLATE "C" NOT NULL,
    size       bigint  NOT NULL,
    sha256     text    COLLATE "C" NOT NULL,
    blake3     text    COLLATE "C" NOT NULL,
    media_type text    COLLATE "C" NOT NULL,
    PRIMARY KEY (package_id, path)
);
CREATE INDEX package_files_by_blob ON package_files (sha256);

CREATE TABLE package_labels (
    package_id text COLLATE "C" NOT NULL,
    key        text COLLATE "C" NOT NULL,
    value      text COLLATE "C" NOT NULL,
    PRIMARY KEY (package_id, key)
);
CREATE INDEX package_labels_by_value ON package_labels (key, value, package_id);

CREATE TABLE holds (
    hold_id        text COLLATE "C" PRIMARY KEY,
    package_id     text COLLATE "C" NOT NULL,
    reason         text COLLATE "C" NOT NULL,
    actor          text COLLATE "C" NOT NULL,
    applied_at     text COLLATE "C" NOT NULL,
    released_at    text COLLATE "C",
    released_by    text COLLATE "C",
    release_reason text COLLATE "C"
);
CREATE INDEX holds_by_package ON holds (package_id);
CREATE INDEX holds_active ON holds (package_id) WHERE released_at IS NULL;

CREATE TABLE blobs (
    sha256       text    COLLATE "C" PRIMARY KEY,
    blake3       text    COLLATE "C" NOT NULL,
    size         bigint  NOT NULL,
    refcount     bigint  NOT NULL,
    state        text    COLLATE "C" NOT NULL,
    condemned_at text    COLLATE "C"
);
-- The reaper reads only blobs that are condemned or being deleted.
CREATE INDEX blobs_awaiting_reaper ON blobs (state, condemned_at) WHERE state <> 'live';

CREATE TABLE tokens (
    token_id   text COLLATE "C" PRIMARY KEY,
    name       text COLLATE "C" NOT NULL,
    role       text COLLATE "C" NOT NULL,
    sha256     text COLLATE "C" NOT NULL UNIQUE,
    created_at text COLLATE "C" NOT NULL,
    created_by text COLLATE "C" NOT NULL,
    revoked_at text COLLATE "C",
    revoked_by text COLLATE "C"
);
CREATE UNIQUE INDEX tokens_active_name ON tokens (name) WHERE revoked_at IS NULL;

-- Jobs (docs/jobs.md): a view derived from the v1.job.* events.
CREATE TABLE jobs (
    id                text    COLLATE "C" PRIMARY KEY,
    type              text    COLLATE "C" NOT NULL,
    state             text    COLLATE "C" NOT NULL,
    attempts          integer NOT NULL,
    max_attempts      integer NOT NULL,
    options           text    COLLATE "C" NOT NULL,
    output_class      text    COLLATE "C" NOT NULL,
    created_at        text    COLLATE "C" NOT NULL,
    created_by        text    COLLATE "C" NOT NULL,
    started_at        text    COLLATE "C",
    finished_at       text    COLLATE "C",
    not_before        text    COLLATE "C" NOT NULL,
    input_package_id  text    COLLATE "C" NOT NULL,
    output_package_id text    COLLATE "C",
    log_package_id    text    COLLATE "C",
    error_code        text    COLLATE "C",
    error_message     text    COLLATE "C",
    exit_code         integer,
    pinned            integer NOT NULL DEFAULT 0,
    expires_at        text    COLLATE "C",
    expired_at        text    COLLATE "C"
);
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

-- Operational state, not derived from events.

-- Idempotency claims and results. owner_key: the presence lock of the process that holds an in-progress
-- claim (docs/postgres.md), so that a process starting up can tell the claims of stopped processes from
-- those of live replicas.
CREATE TABLE idempotency (
    scope       text    COLLATE "C" NOT NULL,
    key         text    COLLATE "C" NOT NULL,
    operation   text    COLLATE "C" NOT NULL,
    state       text    COLLATE "C" NOT NULL,
    fingerprint text    COLLATE "C",
    resource_id text    COLLATE "C",
    created_at  text    COLLATE "C" NOT NULL,
    expires_at  text    COLLATE "C" NOT NULL,
    owner_key   integer,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_by_expiry ON idempotency (expires_at);

-- Who runs which job attempt until when; heartbeats renew it. A cancel asked for through any process is
-- recorded here and the process holding the lease stops the attempt.
CREATE TABLE job_leases (
    job_id              text    COLLATE "C" PRIMARY KEY,
    owner               text    COLLATE "C" NOT NULL,
    attempt             integer NOT NULL,
    expires_at          text    COLLATE "C" NOT NULL,
    process_group       integer,
    cancel_requested_at text    COLLATE "C"
);

-- Who runs a store-wide task (gc, retention_sweep) until when.
CREATE TABLE maintenance_leases (
    name       text COLLATE "C" PRIMARY KEY,
    holder     text COLLATE "C" NOT NULL,
    expires_at text COLLATE "C" NOT NULL
);
