-- The register: every organisation, person, affiliation, accreditation, consent record and
-- interaction is one row of `records` (see docs/adr/0012-contacts-record-store.md). The
-- resource itself is the protobuf `body`; the columns beside it are what queries sort, page,
-- search and enforce uniqueness on, and `record_terms` holds one row per filterable value.
CREATE TABLE records (
    id TEXT PRIMARY KEY,
    kind INTEGER NOT NULL,
    parent_id TEXT,
    revision BIGINT NOT NULL,
    sort_1 TEXT NOT NULL DEFAULT '',
    sort_2 TEXT NOT NULL DEFAULT '',
    sort_3 TEXT NOT NULL DEFAULT '',
    sort_4 TEXT NOT NULL DEFAULT '',
    external_id TEXT,
    search_text TEXT NOT NULL DEFAULT '',
    -- The row of `record_search` that indexes this record (FTS5 tables key rows by integer).
    search_seq BIGINT UNIQUE,
    merged_into TEXT,
    merge_time BIGINT,
    erase_time BIGINT,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    delete_time BIGINT,
    body BLOB NOT NULL
);
CREATE INDEX records_sort_1 ON records (kind, sort_1, id);
CREATE INDEX records_sort_2 ON records (kind, sort_2, id);
CREATE INDEX records_sort_3 ON records (kind, sort_3, id);
CREATE INDEX records_sort_4 ON records (kind, sort_4, id);
CREATE INDEX records_create_time ON records (kind, create_time, id);
CREATE INDEX records_update_time ON records (kind, update_time, id);
CREATE INDEX records_parent ON records (parent_id, kind);
CREATE INDEX records_merged_into ON records (merged_into) WHERE merged_into IS NOT NULL;
CREATE UNIQUE INDEX records_external_id ON records (kind, external_id)
    WHERE external_id IS NOT NULL AND delete_time IS NULL AND merged_into IS NULL;

-- Trigram full-text index of `records.search_text` for organisations and people.
CREATE VIRTUAL TABLE record_search USING fts5 (
    search_text,
    tokenize = 'trigram',
    content = '',
    contentless_delete = 1
);

CREATE TABLE record_terms (
    field TEXT NOT NULL,
    value TEXT NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (field, value, record_id)
) WITHOUT ROWID;
CREATE INDEX record_terms_record ON record_terms (record_id);
