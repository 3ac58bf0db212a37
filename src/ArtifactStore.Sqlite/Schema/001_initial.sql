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
    eligible        INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;
CREATE INDEX packages_by_state ON packages (state, id);
CREATE INDEX packages_by_name ON packages (name, state, id);
CREATE INDEX packages_by_expiry ON packages (expires_at) WHERE state = 'live' AND expires_at IS NOT NULL;

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
    hold_id    TEXT PRIMARY KEY,
    package_id TEXT NOT NULL,
    reason     TEXT NOT NULL,
    actor      TEXT NOT NULL,
    applied_at TEXT NOT NULL
) WITHOUT ROWID;
CREATE INDEX holds_by_package ON holds (package_id);

CREATE TABLE blobs (
    sha256       TEXT    PRIMARY KEY,
    blake3       TEXT    NOT NULL,
    size         INTEGER NOT NULL,
    refcount     INTEGER NOT NULL,
    state        TEXT    NOT NULL,
    condemned_at TEXT
) WITHOUT ROWID;

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
