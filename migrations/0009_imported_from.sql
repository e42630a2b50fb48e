-- Where an imported snapshot came from (JSON: the file, who exported it and when, the
-- snapshot it was in their data folder, when it was imported). Imported snapshots are
-- for reading only; this is what the Snapshots view shows about them.
ALTER TABLE snapshots ADD COLUMN imported_from TEXT;
