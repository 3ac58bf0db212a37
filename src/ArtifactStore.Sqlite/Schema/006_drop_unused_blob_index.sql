-- Version 6: package_files_by_blob goes. No query reads package_files by digest: a file row is only ever read
-- by its package, and who references a blob is counted on the blob's own row (blobs.refcount, docs/gc.md).
-- Every package still paid an insert into it at a random place (its key is a digest), one of the pages each
-- commit writes to the WAL (docs/performance.md, "Where the targets still unmet stop"). Nothing else changes.
DROP INDEX IF EXISTS package_files_by_blob;
