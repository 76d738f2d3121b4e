DROP TABLE request_ids;
DROP TABLE audit_entries;
DROP TABLE outbox_events;
