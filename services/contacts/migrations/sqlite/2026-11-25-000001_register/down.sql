DROP TABLE record_terms;
DROP TABLE record_search;
DROP TABLE records;
