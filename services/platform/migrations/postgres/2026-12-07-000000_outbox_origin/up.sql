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
SELECT substr(md5(random()::text || clock_timestamp()::text), 1, 16),
       COALESCE((SELECT min(sequence) - 1 FROM outbox_events),
                (SELECT last_sequence FROM outbox_numbering), 0),
       COALESCE((SELECT min(occur_time) - 1 FROM outbox_events),
                (extract(epoch FROM clock_timestamp()) * 1000000)::bigint);
