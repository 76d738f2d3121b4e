-- A filter is one (field, value) pair of `record_terms`, and how many records hold a pair
-- varies a thousandfold (a tag on fifty records, a sector on half a million). Without
-- statistics on the pair, PostgreSQL guesses a few hundred owners for every filter and
-- reads them all before sorting, where walking the sort index and probing the term finds
-- the first page in a few milliseconds.
CREATE STATISTICS IF NOT EXISTS record_terms_field_value (mcv) ON field, value FROM record_terms;
ANALYZE record_terms;
