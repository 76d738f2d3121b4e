DROP TABLE follow_up_actions;
DROP TABLE statements;
DROP TABLE registrations;
DROP TABLE sessions;
DROP TABLE events;
