-- Each term row carries its record's kind and whether the record is deleted (1), merged (2)
-- or erased (4), so that a listing's exact count reads term rows alone (see the PostgreSQL
-- migration of the same name).
ALTER TABLE record_terms ADD COLUMN kind INTEGER NOT NULL DEFAULT 0;
ALTER TABLE record_terms ADD COLUMN hidden SMALLINT NOT NULL DEFAULT 0;
UPDATE record_terms SET
    kind = coalesce((SELECT r.kind FROM records r WHERE r.id = record_terms.record_id), 0),
    hidden = coalesce((SELECT (CASE WHEN r.delete_time IS NOT NULL THEN 1 ELSE 0 END)
                            + (CASE WHEN r.merged_into IS NOT NULL THEN 2 ELSE 0 END)
                            + (CASE WHEN r.erase_time IS NOT NULL THEN 4 ELSE 0 END)
                       FROM records r WHERE r.id = record_terms.record_id), 0);
CREATE INDEX record_terms_listed ON record_terms (field, value, kind, record_id, hidden);
