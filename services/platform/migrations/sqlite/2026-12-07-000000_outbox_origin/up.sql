-- Which outbox this is, and the newest event pruned from it (ADR 0024). The id is random per
-- database, so a feed cursor naming it is refused by any other deployment; the pruned event
-- survives a bus that lost its data, so the relay can mark the bus's trim point again when
-- it refills it. Existing outboxes count what they no longer hold as pruned.
CREATE TABLE outbox_origin (
    id TEXT PRIMARY KEY,
    pruned_sequence BIGINT NOT NULL,
    pruned_occur_time BIGINT NOT NULL
);
INSERT INTO outbox_origin (id, pruned_sequence, pruned_occur_time)
SELECT lower(hex(randomblob(8))),
       COALESCE((SELECT min(sequence) - 1 FROM outbox_events),
                (SELECT seq FROM sqlite_sequence WHERE name = 'outbox_events'), 0),
       COALESCE((SELECT min(occur_time) - 1 FROM outbox_events),
                CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));
