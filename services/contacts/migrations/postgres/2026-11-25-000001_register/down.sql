DROP TABLE record_terms;
DROP TABLE records;
