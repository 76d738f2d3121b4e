DROP TABLE outbox_origin;
