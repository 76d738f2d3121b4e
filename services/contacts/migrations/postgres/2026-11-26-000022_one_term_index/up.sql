-- Term rows had two indexes over the same rows in nearly the same order: the primary key
-- (field, value, record_id) and the listing index (field, value, kind, record_id) INCLUDE
-- (hidden). One primary key carrying the kind and state serves both: a term's owners are
-- still read from the index alone and in record order, and a record is still probed for a
-- term by (field, value, record_id). Each new term row then updates two indexes instead of
-- three, and the term indexes take a third less room in memory.
SET LOCAL maintenance_work_mem = '256MB';
ALTER TABLE record_terms DROP CONSTRAINT record_terms_pkey;
DROP INDEX record_terms_listed;
ALTER TABLE record_terms
    ADD CONSTRAINT record_terms_pkey PRIMARY KEY (field, value, record_id) INCLUDE (kind, hidden);
