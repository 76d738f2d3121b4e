-- Outbox events are numbered after they commit (ADR 0020). A write inserts its events with
-- no sequence; `written` keeps the order they were written in. Whoever reads events in
-- order (the relay) first numbers the committed ones, under a lock, from a counter that
-- outlives pruning, so a number is never given to an event that could still be followed by
-- a commit with a lower one, and writers never wait for each other's commits.
CREATE TABLE outbox_numbering (last_sequence BIGINT NOT NULL);
INSERT INTO outbox_numbering
SELECT GREATEST(
    (SELECT COALESCE(max(sequence), 0) FROM outbox_events),
    (SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM outbox_events_sequence_seq)
);

ALTER TABLE outbox_events ADD COLUMN written BIGSERIAL NOT NULL;
ALTER TABLE outbox_events DROP CONSTRAINT outbox_events_pkey;
ALTER TABLE outbox_events ADD PRIMARY KEY (written);
ALTER TABLE outbox_events ALTER COLUMN sequence DROP DEFAULT;
ALTER TABLE outbox_events ALTER COLUMN sequence DROP NOT NULL;
DROP SEQUENCE outbox_events_sequence_seq;
CREATE UNIQUE INDEX outbox_events_sequence ON outbox_events (sequence);
CREATE INDEX outbox_events_unnumbered ON outbox_events (written) WHERE sequence IS NULL;
