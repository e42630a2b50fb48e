-- Provisioning: every requested change is written here before AWS is called, and
-- every state it passes through is kept, so a crash at any point can be resumed.

-- A snapshot is either a full sync or a refresh of the parts a batch of changes touched.
ALTER TABLE snapshots ADD COLUMN kind TEXT NOT NULL DEFAULT 'sync';

-- One confirmed plan: who asked, why, from where.
CREATE TABLE batches (
    id          INTEGER PRIMARY KEY,
    created_at  TEXT NOT NULL,
    actor       TEXT NOT NULL,
    reason      TEXT,
    summary     TEXT NOT NULL,
    refreshed   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE operations (
    id                  INTEGER PRIMARY KEY,
    batch_id            INTEGER NOT NULL REFERENCES batches(id),
    kind                TEXT NOT NULL CHECK (kind IN ('create-user', 'add-member', 'remove-member', 'grant', 'revoke')),
    state               TEXT NOT NULL CHECK (state IN
                            ('queued', 'submitted', 'in-progress', 'succeeded', 'failed', 'blocked', 'skipped', 'cancelled')),
    instance_arn        TEXT NOT NULL,
    identity_store_id   TEXT NOT NULL,
    account_id          TEXT,
    account_name        TEXT,
    permission_set_arn  TEXT,
    permission_set_name TEXT,
    principal_type      TEXT,
    principal_id        TEXT,
    principal_name      TEXT,
    group_id            TEXT,
    group_name          TEXT,
    -- The new user's attributes (create-user only), JSON.
    payload             TEXT,
    -- AWS's request id of an asynchronous assignment change, once AWS accepted it.
    request_id          TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    not_before          TEXT,
    last_error          TEXT,
    error_code          TEXT,
    -- What the change produced or found: a user id, "already applied", ...
    result              TEXT,
    grant_id            INTEGER,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    finished_at         TEXT
);
CREATE INDEX operations_open ON operations(state)
    WHERE state IN ('queued', 'submitted', 'in-progress', 'blocked');
CREATE INDEX operations_batch ON operations(batch_id);

-- Grant requests. An assignment is kept while any active request needs it, or while
-- it was there before Hallpass was asked for it (standing).
CREATE TABLE grants (
    id                  INTEGER PRIMARY KEY,
    instance_arn        TEXT NOT NULL,
    account_id          TEXT NOT NULL,
    permission_set_arn  TEXT NOT NULL,
    principal_type      TEXT NOT NULL,
    principal_id        TEXT NOT NULL,
    account_name        TEXT,
    permission_set_name TEXT,
    principal_name      TEXT,
    actor               TEXT NOT NULL,
    reason              TEXT,
    created_at          TEXT NOT NULL,
    expires_at          TEXT,
    standing            INTEGER NOT NULL DEFAULT 0,
    state               TEXT NOT NULL CHECK (state IN ('active', 'expired', 'ended')),
    ended_at            TEXT,
    overdue             INTEGER NOT NULL DEFAULT 0,
    end_note            TEXT
);
CREATE INDEX grants_active ON grants(account_id, permission_set_arn, principal_id) WHERE state = 'active';

-- Append-only: who did what, when, why, and how it ended.
CREATE TABLE audit (
    id           INTEGER PRIMARY KEY,
    at           TEXT NOT NULL,
    actor        TEXT NOT NULL,
    batch_id     INTEGER,
    operation_id INTEGER,
    action       TEXT NOT NULL,
    target       TEXT NOT NULL,
    reason       TEXT,
    result       TEXT NOT NULL,
    detail       TEXT
);
CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
