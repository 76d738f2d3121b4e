-- A listing's exact count reads term rows alone: each term row carries its record's kind and
-- whether the record is deleted (1), merged (2) or erased (4), so that counting the owners
-- of a filter is an index-only scan instead of a probe of every owner's record (25,000
-- probes for one country, 100,000 for one sector). The table is rebuilt rather than updated
-- in place: one pass over the terms instead of a new version of every row.
SET LOCAL maintenance_work_mem = '256MB';

CREATE TABLE record_terms_rebuilt (
    field TEXT COLLATE "C" NOT NULL,
    value TEXT COLLATE "C" NOT NULL,
    record_id TEXT NOT NULL,
    kind INTEGER NOT NULL DEFAULT 0,
    hidden SMALLINT NOT NULL DEFAULT 0
);
INSERT INTO record_terms_rebuilt (field, value, record_id, kind, hidden)
SELECT t.field, t.value, t.record_id, coalesce(r.kind, 0),
       coalesce((CASE WHEN r.delete_time IS NOT NULL THEN 1 ELSE 0 END)
              + (CASE WHEN r.merged_into IS NOT NULL THEN 2 ELSE 0 END)
              + (CASE WHEN r.erase_time IS NOT NULL THEN 4 ELSE 0 END), 0)
FROM record_terms t
LEFT JOIN records r ON r.id = t.record_id;
DROP TABLE record_terms;
ALTER TABLE record_terms_rebuilt RENAME TO record_terms;
ALTER TABLE record_terms ADD PRIMARY KEY (field, value, record_id);
CREATE INDEX record_terms_record ON record_terms (record_id);
-- Owners of a term in record order, with what the count filters on beside them: the
-- owners of two terms intersect by merging two ordered scans.
CREATE INDEX record_terms_listed ON record_terms (field, value, kind, record_id) INCLUDE (hidden);
CREATE STATISTICS IF NOT EXISTS record_terms_field_value (mcv) ON field, value FROM record_terms;
ANALYZE record_terms;

-- Search first looks for the query's words as whole words or word beginnings, through a
-- full-text index of the live records of each searchable kind (organisations 1, people 2),
-- and only then for near spellings: scoring every record sharing a trigram with a common
-- word ("network") reads a twentieth of the register.
CREATE INDEX records_words_organizations ON records USING gin (to_tsvector('simple', search_text))
    WHERE kind = 1 AND delete_time IS NULL AND merged_into IS NULL AND erase_time IS NULL;
CREATE INDEX records_words_people ON records USING gin (to_tsvector('simple', search_text))
    WHERE kind = 2 AND delete_time IS NULL AND merged_into IS NULL AND erase_time IS NULL;

-- The words the register's search text has ever held: a misspelt query word is compared
-- with these (tens of thousands of words) rather than with every record.
CREATE TABLE search_words (
    word TEXT COLLATE "C" PRIMARY KEY
);
INSERT INTO search_words (word)
SELECT DISTINCT w FROM records, unnest(string_to_array(search_text, ' ')) AS w
WHERE w ~ '^[a-z0-9]{3,}$';
CREATE INDEX search_words_trigrams ON search_words USING gin (word gin_trgm_ops);
