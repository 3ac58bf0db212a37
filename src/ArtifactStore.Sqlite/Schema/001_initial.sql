-- Layout of the embedded database, version 1.
-- events: the append-only, hash-chained log; the source of truth.
CREATE TABLE events (
    seq         INTEGER PRIMARY KEY,
    stream      TEXT    NOT NULL,
    type        TEXT    NOT NULL,
    occurred_at TEXT    NOT NULL,
    actor       TEXT    NOT NULL,
    payload     BLOB    NOT NULL,
    prev_hash   BLOB    NOT NULL,
    hash        BLOB    NOT NULL
);
CREATE INDEX events_by_stream ON events (stream, seq);

-- Views: derived from the events and rebuilt by replaying them.
CREATE TABLE packages (
    id              TEXT    PRIMARY KEY,
    name            TEXT    NOT NULL,
    state           TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    created_by      TEXT    NOT NULL,
    manifest_sha256 TEXT    NOT NULL,
    manifest_size   INTEGER NOT NULL,
    retention_class TEXT,
    expires_at      TEXT,
    pinned          INTEGER NOT NULL DEFAULT 0,
    eligible        INTEGER NOT NULL DEFAULT 0,
    deleted_at      TEXT,
    delete_reason   TEXT,
    bytes_released  INTEGER
) WITHOUT ROWID;
CREATE INDEX packages_by_state ON packages (state, id);
CREATE INDEX packages_by_name ON packages (name, state, id);
-- The sweeper reads only packages that have expired and are not yet eligible: its cost follows what expires.
CREATE INDEX packages_expiring ON packages (expires_at, id) WHERE state = 'live' AND eligible = 0 AND expires_at IS NOT NULL;
-- GC reads only eligible packages.
CREATE INDEX packages_eligible ON packages (id) WHERE state = 'live' AND eligible = 1;
-- Tombstone purge reads only deleted packages, oldest first.
CREATE INDEX packages_deleted ON packages (deleted_at, id) WHERE state = 'deleted';

CREATE TABLE package_files (
    package_id TEXT    NOT NULL,
    path       TEXT    NOT NULL,
    size       INTEGER NOT NULL,
    sha256     TEXT    NOT NULL,
    blake3     TEXT    NOT NULL,
    media_type TEXT    NOT NULL,
    PRIMARY KEY (package_id, path)
) WITHOUT ROWID;
CREATE INDEX package_files_by_blob ON package_files (sha256);

CREATE TABLE package_labels (
    package_id TEXT NOT NULL,
    key        TEXT NOT NULL,
    value      TEXT NOT NULL,
    PRIMARY KEY (package_id, key)
) WITHOUT ROWID;
CREATE INDEX package_labels_by_value ON package_labels (key, value, package_id);

CREATE TABLE holds (
    hold_id        TEXT PRIMARY KEY,
    package_id     TEXT NOT NULL,
    reason         TEXT NOT NULL,
    actor          TEXT NOT NULL,
    applied_at     TEXT NOT NULL,
    released_at    TEXT,
    released_by    TEXT,
    release_reason TEXT
) WITHOUT ROWID;
CREATE INDEX holds_by_package ON holds (package_id);
CREATE INDEX holds_active ON holds (package_id) WHERE released_at IS NULL;

CREATE TABLE blobs (
    sha256       TEXT    PRIMARY KEY,
    blake3       TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    refcount     INTEGER NOT NULL,
    state        TEXT    NOT NULL,
    condemned_at TEXT
) WITHOUT ROWID;
-- The reaper reads only blobs that are condemned or being deleted.
CREATE INDEX blobs_awaiting_reaper ON blobs (state, condemned_at) WHERE state <> 'live';

CREATE TABLE tokens (
    token_id   TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    role       TEXT NOT NULL,
    sha256     TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,
    revoked_at TEXT,
    revoked_by TEXT
) WITHOUT ROWID;
CREATE UNIQUE INDEX tokens_active_name ON tokens (name) WHERE revoked_at IS NULL;

-- Operational state, not derived from events.
CREATE TABLE idempotency (
    scope       TEXT NOT NULL,
    key         TEXT NOT NULL,
    operation   TEXT NOT NULL,
    state       TEXT NOT NULL,
    fingerprint TEXT,
    resource_id TEXT,
    created_at  TEXT NOT NULL,
    expires_at  TEXT NOT NULL,
    PRIMARY KEY (scope, key)
) WITHOUT ROWID;
CREATE INDEX idempotency_by_expiry ON idempotency (expires_at);
