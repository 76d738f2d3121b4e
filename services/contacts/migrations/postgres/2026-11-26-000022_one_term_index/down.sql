ALTER TABLE record_terms DROP CONSTRAINT record_terms_pkey;
ALTER TABLE record_terms ADD CONSTRAINT record_terms_pkey PRIMARY KEY (field, value, record_id);
CREATE INDEX record_terms_listed ON record_terms (field, value, kind, record_id) INCLUDE (hidden);
