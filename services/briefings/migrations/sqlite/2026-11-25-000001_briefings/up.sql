-- Briefings: one table per resource. The columns are what lists filter, order and count on;
-- `body` holds the whole resource as protobuf bytes (see docs/adr/0016).

CREATE TABLE events (
    id TEXT PRIMARY KEY,
    kind INTEGER NOT NULL,
    status INTEGER NOT NULL,
    title TEXT NOT NULL,
    conference_session TEXT NOT NULL,
    start_time BIGINT NOT NULL,
    end_time BIGINT NOT NULL,
    venue_country_code TEXT NOT NULL,
    attendance_mode INTEGER NOT NULL,
    organizers TEXT NOT NULL,
    co_organizers TEXT NOT NULL,
    registration_managers TEXT NOT NULL,
    thematic_areas TEXT NOT NULL,
    revision BIGINT NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    delete_time BIGINT,
    body BLOB NOT NULL
);
CREATE INDEX events_start ON events (start_time, id);
CREATE INDEX events_conference_session ON events (conference_session, status);

CREATE TABLE sessions (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events (id),
    title TEXT NOT NULL,
    start_time BIGINT NOT NULL,
    end_time BIGINT NOT NULL,
    speaker_people TEXT NOT NULL,
    speaker_organizations TEXT NOT NULL,
    thematic_areas TEXT NOT NULL,
    revision BIGINT NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    delete_time BIGINT,
    body BLOB NOT NULL
);
CREATE INDEX sessions_event ON sessions (event_id, start_time, id);

CREATE TABLE registrations (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events (id),
    person TEXT NOT NULL,
    organization TEXT NOT NULL,
    status INTEGER NOT NULL,
    waitlist_position INTEGER NOT NULL,
    badge_code TEXT NOT NULL,
    gender INTEGER NOT NULL,
    sector INTEGER NOT NULL,
    regional_group INTEGER NOT NULL,
    country_code TEXT NOT NULL,
    youth BOOLEAN NOT NULL,
    display_name TEXT NOT NULL,
    register_time BIGINT NOT NULL,
    check_in_time BIGINT,
    revision BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    body BLOB NOT NULL
);
CREATE UNIQUE INDEX registrations_badge ON registrations (event_id, badge_code);
-- One live registration per person and event (3 = CANCELLED).
CREATE UNIQUE INDEX registrations_live_person ON registrations (event_id, person) WHERE status <> 3;
CREATE INDEX registrations_event_order ON registrations (event_id, register_time, id);
CREATE INDEX registrations_event_status ON registrations (event_id, status, waitlist_position);
CREATE INDEX registrations_event_organization ON registrations (event_id, organization, status);
CREATE INDEX registrations_person ON registrations (person);

CREATE TABLE statements (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events (id),
    speaker TEXT NOT NULL,
    organization TEXT NOT NULL,
    session TEXT NOT NULL,
    language TEXT NOT NULL,
    thematic_areas TEXT NOT NULL,
    title TEXT NOT NULL,
    deliver_time BIGINT,
    revision BIGINT NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    delete_time BIGINT,
    body BLOB NOT NULL
);
CREATE INDEX statements_event ON statements (event_id, create_time, id);

CREATE TABLE follow_up_actions (
    id TEXT PRIMARY KEY,
    event_id TEXT NOT NULL REFERENCES events (id),
    owner_person TEXT NOT NULL,
    owner_organization TEXT NOT NULL,
    owner_subject TEXT NOT NULL,
    statement TEXT NOT NULL,
    title TEXT NOT NULL,
    status INTEGER NOT NULL,
    due_date TEXT,
    revision BIGINT NOT NULL,
    create_time BIGINT NOT NULL,
    update_time BIGINT NOT NULL,
    delete_time BIGINT,
    body BLOB NOT NULL
);
CREATE INDEX follow_up_actions_event ON follow_up_actions (event_id, due_date, id);
