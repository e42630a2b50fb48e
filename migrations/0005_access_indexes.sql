-- Effective access reads memberships and assignments by group, user and account, and
-- needs only a few columns of each: covering indexes answer those joins from the
-- index alone, without a table lookup per row (see tests/bench/local_scale.rs).
CREATE INDEX dir_memberships_group_cover ON dir_memberships(group_id, valid_from, valid_to, user_id);
CREATE INDEX dir_memberships_user_cover ON dir_memberships(user_id, valid_from, valid_to, group_id);
CREATE INDEX dir_users_id_cover ON dir_users(user_id, valid_from, valid_to, user_name);
DROP INDEX dir_memberships_group;
DROP INDEX dir_memberships_user;
DROP INDEX dir_users_id;
