DROP TABLE progress_entries;
DROP TABLE milestone_dependencies;
DROP TABLE milestones;
DROP TABLE initiative_members;
DROP TABLE initiatives;
