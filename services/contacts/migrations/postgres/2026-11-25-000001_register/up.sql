-- The register: every organisation, person, affiliation, accreditation, consent record and
-- interaction is one row of `records` (see docs/adr/0012-contacts-record-store.md). The
-- resource itself is the protobuf `body`; the columns beside it are what queries sort, page,
-- search and enforce uniqueness on, and `record_terms` holds one row per filterable value.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE records (
    id TEXT PRIMARY KEY,
    kind INTEGER NOT NULL,
    parent_id TEXT,
    revision BIGINT NOT NULL,
    sort_1 TEXT COLLATE "C" NOT NULL DEFAULT '',
    sort_2 TEXT COLLATE "C" NOT NULL DEFAULT '',
    sort_3 TEXT COLLATE "C" NOT NULL DEFAULT '',
    sort_4 TEXT COLLATE "C" NOT NULL DEFAULT '',
    external_id TEXT,
    search_text TEXT NOT NULL DEFAULT '',
    search_seq BIGINT,
    merged_into TEXT,
    merge_time BIGINT,
    erase_time BIGINT,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    delete_time BIGINT,
    body BYTEA NOT NULL
);
CREATE INDEX records_sort_1 ON records (kind, sort_1, id);
CREATE INDEX records_sort_2 ON records (kind, sort_2, id);
CREATE INDEX records_sort_3 ON records (kind, sort_3, id);
CREATE INDEX records_sort_4 ON records (kind, sort_4, id);
CREATE INDEX records_create_time ON records (kind, create_time, id);
CREATE INDEX records_update_time ON records (kind, update_time, id);
CREATE INDEX records_parent ON records (parent_id, kind);
CREATE INDEX records_merged_into ON records (merged_into) WHERE merged_into IS NOT NULL;
-- An external id names one live record of its kind.
CREATE UNIQUE INDEX records_external_id ON records (kind, external_id)
    WHERE external_id IS NOT NULL AND delete_time IS NULL AND merged_into IS NULL;
CREATE INDEX records_search ON records USING gin (search_text gin_trgm_ops);

CREATE TABLE record_terms (
    field TEXT COLLATE "C" NOT NULL,
    value TEXT COLLATE "C" NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (field, value, record_id)
);
CREATE INDEX record_terms_record ON record_terms (record_id);
