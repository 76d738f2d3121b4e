-- The registration counts of an event (by status, with the latest update_time) are read
-- under the event's lock on every registration: with update_time in the index they are
-- read from the index alone, without visiting each registration's row (on PostgreSQL once
-- the table's pages are marked all-visible by VACUUM). The index keeps serving the
-- waitlist order, so it replaces the old one rather than adding a second.
DROP INDEX registrations_event_status;
CREATE INDEX registrations_event_status ON registrations (event_id, status, waitlist_position, update_time);
