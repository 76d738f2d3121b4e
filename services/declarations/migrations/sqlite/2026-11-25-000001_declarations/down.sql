DROP TABLE signature_areas;
DROP TABLE signatures;
DROP TABLE declarations;
