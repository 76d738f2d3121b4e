-- Duplicate candidates are listed by register and state (and band): one term holding the
-- combination, so that a listing probes one term rather than intersecting three, which
-- PostgreSQL plans as a nested loop whenever its statistics lag behind a large import.
INSERT INTO record_terms (field, value, record_id)
SELECT 'review', t.value || '/' || s.value, t.record_id
FROM record_terms t
JOIN record_terms s ON s.record_id = t.record_id AND s.field = 'state'
WHERE t.field = 'record_type';

INSERT INTO record_terms (field, value, record_id)
SELECT 'review', t.value || '/' || s.value || '/' || b.value, t.record_id
FROM record_terms t
JOIN record_terms s ON s.record_id = t.record_id AND s.field = 'state'
JOIN record_terms b ON b.record_id = t.record_id AND b.field = 'band'
WHERE t.field = 'record_type';
