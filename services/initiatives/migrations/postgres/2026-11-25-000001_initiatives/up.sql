-- Each resource is one row: real columns for what lists filter, sort and aggregate on, and
-- the resource itself as protobuf in `body` (docs/adr/0014-initiatives.md).
CREATE TABLE initiatives (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    country_code TEXT NOT NULL,
    regional_group INTEGER NOT NULL,
    status INTEGER NOT NULL,
    start_date TEXT NOT NULL,
    target_date TEXT NOT NULL,
    revision BIGINT NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    delete_time BIGINT,
    body BYTEA NOT NULL
);
CREATE INDEX initiatives_by_create_time ON initiatives (create_time, id);
CREATE INDEX initiatives_by_country ON initiatives (country_code);
CREATE INDEX initiatives_by_status ON initiatives (status, regional_group);

-- Who and what an initiative names, one row per value, for the filters by coordinator,
-- partner organisation, partner person and thematic area.
CREATE TABLE initiative_members (
    initiative_id TEXT NOT NULL REFERENCES initiatives (id),
    kind TEXT NOT NULL,
    value TEXT NOT NULL,
    PRIMARY KEY (initiative_id, kind, value)
);
CREATE INDEX initiative_members_by_value ON initiative_members (kind, value);

CREATE TABLE milestones (
    id TEXT PRIMARY KEY,
    initiative_id TEXT NOT NULL REFERENCES initiatives (id),
    title TEXT NOT NULL,
    status INTEGER NOT NULL,
    percent_complete INTEGER NOT NULL,
    due_date TEXT NOT NULL,
    owner_kind TEXT NOT NULL,
    owner TEXT NOT NULL,
    priority_id TEXT NOT NULL,
    revision BIGINT NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    delete_time BIGINT,
    body BYTEA NOT NULL
);
CREATE INDEX milestones_by_initiative ON milestones (initiative_id, due_date, id);
CREATE INDEX milestones_open_by_due_date ON milestones (due_date, id)
    WHERE delete_time IS NULL AND status IN (1, 2, 4);

CREATE TABLE milestone_dependencies (
    milestone_id TEXT NOT NULL REFERENCES milestones (id),
    depends_on_id TEXT NOT NULL REFERENCES milestones (id),
    PRIMARY KEY (milestone_id, depends_on_id)
);
CREATE INDEX milestone_dependencies_by_dependency ON milestone_dependencies (depends_on_id);

CREATE TABLE progress_entries (
    id TEXT PRIMARY KEY,
    initiative_id TEXT NOT NULL REFERENCES initiatives (id),
    milestone_id TEXT NOT NULL,
    author TEXT NOT NULL,
    create_time BIGINT NOT NULL,
    corrects_id TEXT NOT NULL,
    new_status INTEGER NOT NULL,
    body BYTEA NOT NULL
);
CREATE INDEX progress_entries_by_initiative ON progress_entries (initiative_id, create_time, id);
CREATE INDEX progress_entries_by_correction ON progress_entries (corrects_id);
