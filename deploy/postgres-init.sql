-- One database per service, owned by the stack's user (deploy/compose.yaml). A service never
-- reads another's tables.
CREATE DATABASE engage_contacts;
CREATE DATABASE engage_initiatives;
CREATE DATABASE engage_declarations;
CREATE DATABASE engage_briefings;
CREATE DATABASE engage_feeds;
