DELETE FROM record_terms WHERE field = 'review';
