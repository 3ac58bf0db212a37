-- Version 3: resumable upload sessions of the scale-out backend (docs/upload.md, "Upload sessions on
-- scale-out"). Neither table is a view: both are in PostgresViewTables.NotViews, so replay, rebuild-views and
-- fsck leave them alone. A session's bytes are an S3 multipart upload at <prefix>uploads/<id>; the rows say
-- which parts belong to it and hold what is not a whole part yet.

-- upload_sessions: one row per open session. byte_offset counts every accepted byte: the parts' sizes plus
-- the tail's length. tail holds the bytes after the last whole part (less than one part, Store:S3:PartSize),
-- digest_state the running SHA-256 and BLAKE3 over all byte_offset bytes. A chunk changes offset, tail, parts
-- and digest state in one transaction under the row's lock (SELECT … FOR UPDATE), so they always agree and
-- any replica can take the next chunk.
CREATE TABLE upload_sessions (
    id           uuid   PRIMARY KEY,
    owner        text   COLLATE "C" NOT NULL,
    byte_offset  bigint NOT NULL CHECK (byte_offset >= 0),
    max_bytes    bigint NOT NULL,
    created_at   text   COLLATE "C" NOT NULL,
    expires_at   text   COLLATE "C" NOT NULL,
    s3_upload_id text   COLLATE "C" NOT NULL,
    tail         bytea  NOT NULL,
    digest_state bytea  NOT NULL
);

-- upload_session_parts: the whole parts uploaded for a session, with the ETag S3 answered; completing the
-- multipart upload names exactly these (a part uploaded by a chunk that was rolled back is not here, and is
-- overwritten or dropped).
CREATE TABLE upload_session_parts (
    session_id  uuid    NOT NULL REFERENCES upload_sessions (id) ON DELETE CASCADE,
    part_number integer NOT NULL,
    etag        text    COLLATE "C" NOT NULL,
    size        bigint  NOT NULL,
    PRIMARY KEY (session_id, part_number)
);
