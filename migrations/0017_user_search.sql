-- Finding a user by any part of their user name, display name or email, at the
-- quota ceiling (100,000 users) within milliseconds: an FTS5 trigram index over the
-- directory's user rows (every version; the snapshot's validity is checked on the row).
-- The rows' text never changes in place (a changed user is a new row), so the index
-- follows inserts and deletes; an update of the text would be followed too.
CREATE VIRTUAL TABLE dir_users_search USING fts5(
    user_name, display_name, email,
    content = 'dir_users', content_rowid = 'row_id', tokenize = 'trigram'
);
CREATE TRIGGER dir_users_search_insert AFTER INSERT ON dir_users BEGIN
    INSERT INTO dir_users_search(rowid, user_name, display_name, email)
        VALUES (new.row_id, new.user_name, new.display_name, new.email);
END;
CREATE TRIGGER dir_users_search_delete AFTER DELETE ON dir_users BEGIN
    INSERT INTO dir_users_search(dir_users_search, rowid, user_name, display_name, email)
        VALUES ('delete', old.row_id, old.user_name, old.display_name, old.email);
END;
CREATE TRIGGER dir_users_search_update AFTER UPDATE OF user_name, display_name, email
    ON dir_users BEGIN
    INSERT INTO dir_users_search(dir_users_search, rowid, user_name, display_name, email)
        VALUES ('delete', old.row_id, old.user_name, old.display_name, old.email);
    INSERT INTO dir_users_search(rowid, user_name, display_name, email)
        VALUES (new.row_id, new.user_name, new.display_name, new.email);
END;
INSERT INTO dir_users_search(dir_users_search) VALUES ('rebuild');
