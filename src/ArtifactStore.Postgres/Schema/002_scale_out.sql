-- Version 2: what the scale-out backend keeps besides the store itself (docs/postgres.md). Neither table is
-- a view: both are listed in PostgresViewTables.NotViews, so replay, rebuild-views and fsck leave them alone.

-- store_identity: one row, written by the first process that opens the database. Every replica compares
-- it with its own profile before it migrates or writes anything, so a replica of another lane is refused
-- (the bucket's marker object carries the same identity).
CREATE TABLE store_identity (
    singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    store_id   text    COLLATE "C" NOT NULL,
    profile    text    COLLATE "C" NOT NULL,
    created_at text    COLLATE "C" NOT NULL
);

-- job_log_chunks: the live log of each job, appended by the replica that runs an attempt and read by any
-- replica that serves GET /v1/jobs/{id}/logs. A chunk starts where the previous one ended (start_offset is
-- the byte offset of its first byte), so a log is its chunks in order; the key refuses two chunks at
-- one offset, so two writers can never interleave inside the log.
CREATE TABLE job_log_chunks (
    job_id       text   COLLATE "C" NOT NULL,
    start_offset bigint NOT NULL,
    content      bytea  NOT NULL,
    PRIMARY KEY (job_id, start_offset)
);
