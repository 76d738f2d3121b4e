DROP STATISTICS IF EXISTS record_terms_field_value;
