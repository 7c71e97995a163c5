-- At most one open incident per cluster, enforced by the database. A cluster is named by the
-- label and the normalised text of the mention that opened it (or a known claim, or a split).
ALTER TABLE incidents ADD COLUMN cluster_key TEXT;
UPDATE incidents SET cluster_key = 'legacy:' || id WHERE cluster_key IS NULL;
CREATE UNIQUE INDEX incidents_one_open_per_cluster ON incidents(cluster_key)
    WHERE status NOT IN ('resolved', 'dismissed');

-- A merged incident points at the one it was merged into, so later copies of its text join that.
ALTER TABLE incidents ADD COLUMN merged_into TEXT REFERENCES incidents(id);
