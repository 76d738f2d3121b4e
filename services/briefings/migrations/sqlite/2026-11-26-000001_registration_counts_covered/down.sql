DROP INDEX registrations_event_status;
CREATE INDEX registrations_event_status ON registrations (event_id, status, waitlist_position);
