-- Version 4: small blobs kept inline in the database (docs/upload.md, "Small blobs").
-- The bytes of a blob of at most 64 KiB (content or manifest), written by the same transaction as the
-- events that reference it, so the batch's one commit covers both and no S3 object is made for it.
-- Source of truth, not a view: listed in PostgresViewTables.NotViews. Blobs stored before this version
-- stay where they are.
CREATE TABLE inline_blobs (
    sha256    text   COLLATE "C" PRIMARY KEY,
    size      bigint NOT NULL,
    bytes     bytea  NOT NULL,
    stored_at text   COLLATE "C" NOT NULL
);
