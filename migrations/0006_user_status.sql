-- The Identity Store's user status (ENABLED / DISABLED), synced with the users.
ALTER TABLE dir_users ADD COLUMN status TEXT;
