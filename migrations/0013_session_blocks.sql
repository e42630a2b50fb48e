-- Ending live sessions: a user's role sessions of one permission set on one account are
-- denied by a statement Hallpass adds to the permission set's inline policy (keyed on
-- identitystore:userId), provisioned to that account, and taken out again once every
-- session issued before the revoke has run out (the permission set's session duration).
CREATE TABLE session_blocks (
    id                  INTEGER PRIMARY KEY,
    batch_id            INTEGER NOT NULL,
    instance_arn        TEXT NOT NULL,
    permission_set_arn  TEXT NOT NULL,
    permission_set_name TEXT,
    account_id          TEXT NOT NULL,
    account_name        TEXT,
    user_id             TEXT NOT NULL,
    user_name           TEXT,
    -- The permission set's session duration (ISO 8601) when the block was asked for.
    session_duration    TEXT NOT NULL,
    state               TEXT NOT NULL CHECK (state IN ('pending', 'active', 'removed')),
    created_at          TEXT NOT NULL,
    -- When the deny was written and provisioned to the account.
    applied_at          TEXT,
    -- When it may go: the revoke finished, plus the session duration.
    until               TEXT,
    removed_at          TEXT,
    -- Why the last attempt to write or remove it failed (retried on every run).
    error               TEXT
);
CREATE INDEX session_blocks_open ON session_blocks(instance_arn, permission_set_arn) WHERE state != 'removed';

-- A permission set's inline policy as it was before Hallpass first added its statement,
-- and as Hallpass last wrote it: when the last block goes and nobody changed the policy
-- since, the original text comes back exactly (or the inline policy is deleted again).
CREATE TABLE session_block_policies (
    instance_arn        TEXT NOT NULL,
    permission_set_arn  TEXT NOT NULL,
    original            TEXT,
    written             TEXT,
    PRIMARY KEY (instance_arn, permission_set_arn)
);
