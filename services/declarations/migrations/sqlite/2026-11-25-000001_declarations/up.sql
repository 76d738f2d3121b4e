-- Declarations and their signatures (see docs/adr/0015-declarations-signature-store.md).
-- Ordinary tables with a column for everything that is filtered, grouped, ordered or kept
-- unique; nested values nobody queries (areas, translations, a review, a withdrawal) are
-- kept as protobuf bytes beside them.
CREATE TABLE declarations (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    -- Lower-cased, accents removed: the key of `title:` filters and title order.
    title_key TEXT NOT NULL,
    body TEXT NOT NULL,
    language_code TEXT NOT NULL,
    version INTEGER NOT NULL,
    -- At most one declaration names another as its previous version: versions form one line.
    previous_version TEXT UNIQUE REFERENCES declarations (id),
    status INTEGER NOT NULL,
    -- `areas` and `translations` as an encoded engage.declarations.v1.Declaration.
    content BLOB NOT NULL,
    open_time BIGINT,
    close_time BIGINT,
    planned_close_date TEXT,
    revision BIGINT NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    delete_time BIGINT
);
CREATE INDEX declarations_create_time ON declarations (create_time, id);

CREATE TABLE signatures (
    id TEXT PRIMARY KEY,
    declaration_id TEXT NOT NULL REFERENCES declarations (id),
    signer_kind INTEGER NOT NULL,
    -- Who signs, for the one-live-signature rule: the organisation, else the person, else
    -- `email:` and the contact email in lower case.
    signer_key TEXT NOT NULL,
    -- 1 pending, 2 verified, 3 rejected, 4 withdrawn: the four disjoint states counts use.
    standing INTEGER NOT NULL,
    organization TEXT,
    person TEXT,
    affiliation_organization TEXT,
    display_name TEXT NOT NULL,
    name_key TEXT NOT NULL,
    acronym TEXT NOT NULL,
    affiliation TEXT NOT NULL,
    country_code TEXT NOT NULL,
    regional_group INTEGER NOT NULL,
    sector INTEGER NOT NULL,
    -- The endorsed area ids in the declaration's order, `;`-separated; signature_areas holds
    -- the same ids one per row for counts and filters.
    endorsed_area_ids TEXT NOT NULL,
    contact_name TEXT NOT NULL,
    contact_email TEXT NOT NULL,
    contact_person TEXT,
    hide_from_public_listing BOOLEAN NOT NULL,
    sign_date TEXT NOT NULL,
    status INTEGER NOT NULL,
    review BLOB,
    withdrawal BLOB,
    recorded_by TEXT NOT NULL,
    redact_time BIGINT,
    revision BIGINT NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL
);
-- One live (pending or verified) signature per signer per declaration, enforced by the
-- database so that concurrent signings cannot both insert.
CREATE UNIQUE INDEX signatures_one_live_per_signer
    ON signatures (declaration_id, signer_key) WHERE standing IN (1, 2);
CREATE INDEX signatures_by_declaration ON signatures (declaration_id, create_time, id);
CREATE INDEX signatures_by_standing ON signatures (declaration_id, standing);
CREATE INDEX signatures_public ON signatures (declaration_id, name_key, id);

CREATE TABLE signature_areas (
    signature_id TEXT NOT NULL REFERENCES signatures (id),
    area_id TEXT NOT NULL,
    PRIMARY KEY (signature_id, area_id)
);
CREATE INDEX signature_areas_by_area ON signature_areas (area_id, signature_id);
