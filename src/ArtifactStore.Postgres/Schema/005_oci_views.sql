-- Version 5: the registry's tag and catalog views (docs/oci.md, "Tag and catalog views"), as in the embedded
-- database's schema 5: kept by the projector in the unit of work (Core's OciViewSql), rebuilt by replay, compared
-- by fsck. Byte-wise collation, so tags and repositories list in the order the distribution specification asks.
-- oci_tags: the newest manifest package of the repository pushed under the tag (live or a tombstone).
CREATE TABLE oci_tags (
    repository text COLLATE "C" NOT NULL,
    tag        text COLLATE "C" NOT NULL,
    package_id text COLLATE "C" NOT NULL,
    PRIMARY KEY (repository, tag)
);
-- A purged tombstone finds the tags it named.
CREATE INDEX oci_tags_by_package ON oci_tags (package_id);

-- oci_repositories: repositories with at least one live manifest, and how many.
CREATE TABLE oci_repositories (
    repository text   COLLATE "C" PRIMARY KEY,
    manifests  bigint NOT NULL
);

-- Existing stores: what a replay of their log projects (a package is a manifest when it has an oci.digest label).
INSERT INTO oci_tags (repository, tag, package_id)
SELECT p.name, t.value, MAX(p.id)
FROM packages p JOIN package_labels t ON t.package_id = p.id AND t.key = 'oci.tag'
WHERE EXISTS (SELECT 1 FROM package_labels d WHERE d.package_id = p.id AND d.key = 'oci.digest')
GROUP BY p.name, t.value;

INSERT INTO oci_repositories (repository, manifests)
SELECT p.name, COUNT(*)
FROM packages p
WHERE p.state = 'live' AND EXISTS (SELECT 1 FROM package_labels d WHERE d.package_id = p.id AND d.key = 'oci.digest')
GROUP BY p.name;
