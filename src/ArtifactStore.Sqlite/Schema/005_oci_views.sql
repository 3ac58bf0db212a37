-- Version 5: the registry's tag and catalog views (docs/oci.md, "Tag and catalog views"), so that a tag list, a
-- pull by tag and the catalog read what they answer instead of every push of a repository. Views: kept by the
-- projector in the unit of work (Core's OciViewSql), rebuilt by replay, compared by fsck.
-- oci_tags: the newest manifest package of the repository pushed under the tag (live or a tombstone).
CREATE TABLE oci_tags (
    repository TEXT NOT NULL,
    tag        TEXT NOT NULL,
    package_id TEXT NOT NULL,
    PRIMARY KEY (repository, tag)
) WITHOUT ROWID;
-- A purged tombstone finds the tags it named.
CREATE INDEX oci_tags_by_package ON oci_tags (package_id);

-- oci_repositories: repositories with at least one live manifest, and how many.
CREATE TABLE oci_repositories (
    repository TEXT    PRIMARY KEY,
    manifests  INTEGER NOT NULL
) WITHOUT ROWID;

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
