-- A minimal resource used only by the platform's own tests.
CREATE TABLE notes (
    id TEXT PRIMARY KEY,
    topic TEXT NOT NULL,
    body TEXT NOT NULL,
    revision BIGINT NOT NULL,
    create_time BIGINT NOT NULL
);
CREATE INDEX notes_topic_body ON notes (topic, body, id);
