DROP INDEX record_terms_listed;
ALTER TABLE record_terms DROP COLUMN hidden;
ALTER TABLE record_terms DROP COLUMN kind;
