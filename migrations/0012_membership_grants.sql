-- Grant requests also hold group memberships (time-bound just-in-time access by joining
-- a group), and expiry schedules end them too. A request now says what it holds
-- (`target`): an assignment (account, permission set, principal) or a membership
-- (identity store, group, user). The columns the other kind needs are NULL, never "".
CREATE TABLE grants_new (
    id                  INTEGER PRIMARY KEY,
    target              TEXT NOT NULL CHECK (target IN ('assignment', 'membership')),
    instance_arn        TEXT NOT NULL,
    account_id          TEXT,
    permission_set_arn  TEXT,
    principal_type      TEXT NOT NULL,
    principal_id        TEXT NOT NULL,
    account_name        TEXT,
    permission_set_name TEXT,
    principal_name      TEXT,
    identity_store_id   TEXT,
    group_id            TEXT,
    group_name          TEXT,
    actor               TEXT NOT NULL,
    reason              TEXT,
    created_at          TEXT NOT NULL,
    expires_at          TEXT,
    standing            INTEGER NOT NULL DEFAULT 0,
    state               TEXT NOT NULL CHECK (state IN ('active', 'expired', 'ended')),
    ended_at            TEXT,
    overdue             INTEGER NOT NULL DEFAULT 0,
    end_note            TEXT,
    CHECK (target = 'membership' OR (account_id IS NOT NULL AND permission_set_arn IS NOT NULL)),
    CHECK (target = 'assignment' OR (identity_store_id IS NOT NULL AND group_id IS NOT NULL))
);
INSERT INTO grants_new(id, target, instance_arn, account_id, permission_set_arn, principal_type, principal_id,
        account_name, permission_set_name, principal_name, actor, reason, created_at, expires_at, standing, state,
        ended_at, overdue, end_note)
    SELECT id, 'assignment', instance_arn, account_id, permission_set_arn, principal_type, principal_id,
        account_name, permission_set_name, principal_name, actor, reason, created_at, expires_at, standing, state,
        ended_at, overdue, end_note
    FROM grants;
DROP TABLE grants;
ALTER TABLE grants_new RENAME TO grants;
CREATE INDEX grants_active ON grants(account_id, permission_set_arn, principal_id) WHERE state = 'active';
CREATE INDEX grants_active_memberships ON grants(identity_store_id, group_id, principal_id)
    WHERE state = 'active' AND target = 'membership';

-- A membership's schedule calls DeleteGroupMembership, which takes the membership's id.
-- The same columns as a grant request's for what it ends.
CREATE TABLE expiry_schedules_new (
    name                TEXT PRIMARY KEY,
    target              TEXT NOT NULL CHECK (target IN ('assignment', 'membership')),
    instance_arn        TEXT NOT NULL,
    account_id          TEXT,
    permission_set_arn  TEXT,
    principal_type      TEXT NOT NULL,
    principal_id        TEXT NOT NULL,
    account_name        TEXT,
    permission_set_name TEXT,
    principal_name      TEXT,
    identity_store_id   TEXT,
    group_id            TEXT,
    group_name          TEXT,
    membership_id       TEXT,
    fire_at             TEXT NOT NULL,
    written_at          TEXT NOT NULL
);
INSERT INTO expiry_schedules_new(name, target, instance_arn, account_id, permission_set_arn, principal_type,
        principal_id, fire_at, written_at)
    SELECT name, 'assignment', instance_arn, account_id, permission_set_arn, principal_type, principal_id, fire_at,
        written_at
    FROM expiry_schedules;
DROP TABLE expiry_schedules;
ALTER TABLE expiry_schedules_new RENAME TO expiry_schedules;
