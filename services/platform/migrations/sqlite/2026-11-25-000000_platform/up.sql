-- Tables every engage service has. Written in the same transaction as the domain write.

-- Domain events awaiting the feeds relay, in commit order (see platform::journal).
CREATE TABLE outbox_events (
    sequence INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    resource_name TEXT NOT NULL,
    resource_type TEXT NOT NULL,
    payload BLOB NOT NULL,
    attributes TEXT NOT NULL,
    actor TEXT NOT NULL,
    occur_time BIGINT NOT NULL,
    publish_time BIGINT
);
CREATE INDEX outbox_events_unpublished ON outbox_events (sequence) WHERE publish_time IS NULL;
CREATE INDEX outbox_events_occur_time ON outbox_events (occur_time);

-- Who changed what, when, through which method.
CREATE TABLE audit_entries (
    id TEXT PRIMARY KEY,
    occur_time BIGINT NOT NULL,
    actor TEXT NOT NULL,
    method TEXT NOT NULL,
    resource_name TEXT NOT NULL,
    action TEXT NOT NULL,
    request_id TEXT,
    changes TEXT NOT NULL
);
CREATE INDEX audit_entries_resource ON audit_entries (resource_name, occur_time);

-- The first response to each request_id, so that a retried create is answered, not repeated.
CREATE TABLE request_ids (
    method TEXT NOT NULL,
    request_id TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    response BLOB NOT NULL,
    create_time BIGINT NOT NULL,
    PRIMARY KEY (method, request_id)
);
