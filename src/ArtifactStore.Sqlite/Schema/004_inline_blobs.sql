-- Version 4: small blobs kept inline in the database (docs/upload.md, "Small blobs").
-- The bytes of a blob of at most 64 KiB (content or manifest), written by the same transaction as the
-- events that reference it, so one WAL fsync covers both. Source of truth, not a view: replay never
-- recreates or drops it. Blobs stored as files before this version stay files.
-- A rowid table on purpose: rows of up to 64 KiB belong in overflow pages, not in a WITHOUT ROWID key's b-tree.
CREATE TABLE inline_blobs (
    sha256    TEXT PRIMARY KEY,
    size      INTEGER NOT NULL,
    bytes     BLOB NOT NULL,
    stored_at TEXT NOT NULL
);
