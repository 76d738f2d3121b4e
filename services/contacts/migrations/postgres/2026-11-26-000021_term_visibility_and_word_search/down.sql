DROP TABLE search_words;
DROP INDEX records_words_people;
DROP INDEX records_words_organizations;
DROP INDEX record_terms_listed;
ALTER TABLE record_terms DROP COLUMN hidden;
ALTER TABLE record_terms DROP COLUMN kind;
