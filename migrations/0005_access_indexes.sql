-- Effective access reads memberships and assignments by group, user and account, and
-- needs only a few columns of each: covering indexes answer those joins from the
-- index alone, without a table lookup per row (see tests/bench/local_scale.rs).
CREATE INDEX dir_memberships_group_cover ON dir_memberships(group_id, valid_from, valid_to, user_id);
CREATE INDEX dir_memberships_user_cover ON dir_memberships(user_id, valid_from, valid_to, group_id);
CREATE INDEX dir_users_id_cover ON dir_users(user_id, valid_from, valid_to, user_name);
DROP INDEX dir_memberships_group;
DROP INDEX dir_memberships_user;
DROP INDEX dir_users_id;
-- Assignments by principal (a user's access goes through ~10 groups × ~50 assignments),
-- and the names effective access shows.
CREATE INDEX assignments_principal_cover ON assignments(principal_id, valid_from, valid_to, principal_type, account_id, permission_set_arn, instance_arn);
CREATE INDEX accounts_id_cover ON accounts(id, valid_from, valid_to, name);
CREATE INDEX permission_sets_arn_cover ON permission_sets(arn, valid_from, valid_to, name);
DROP INDEX assignments_principal;
DROP INDEX accounts_id;
DROP INDEX permission_sets_arn;
