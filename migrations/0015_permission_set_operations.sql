-- Permission sets are authored through the queue too: each call that changes a
-- definition (`permission-set`, the call and its arguments as JSON in `payload`) and each
-- ProvisionPermissionSet to one account (`provision`) is an operation. SQLite cannot
-- change a CHECK constraint in place, so the table is rebuilt with the same columns.
-- A permission set created in the batch has no ARN until AWS made it (NULL until then).
CREATE TABLE operations_new (
    id                  INTEGER PRIMARY KEY,
    batch_id            INTEGER NOT NULL REFERENCES batches(id),
    kind                TEXT NOT NULL CHECK (kind IN ('create-user', 'add-member', 'remove-member', 'grant', 'revoke',
                            'permission-set', 'provision')),
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
    payload             TEXT,
    request_id          TEXT,
    attempts            INTEGER NOT NULL DEFAULT 0,
    not_before          TEXT,
    last_error          TEXT,
    error_code          TEXT,
    result              TEXT,
    grant_id            INTEGER,
    created_at          TEXT NOT NULL,
    updated_at          TEXT NOT NULL,
    finished_at         TEXT
);
INSERT INTO operations_new SELECT id, batch_id, kind, state, instance_arn, identity_store_id, account_id,
    account_name, permission_set_arn, permission_set_name, principal_type, principal_id, principal_name, group_id,
    group_name, payload, request_id, attempts, not_before, last_error, error_code, result, grant_id, created_at,
    updated_at, finished_at
    FROM operations;
DROP TABLE operations;
ALTER TABLE operations_new RENAME TO operations;
CREATE INDEX operations_open ON operations(state)
    WHERE state IN ('queued', 'submitted', 'in-progress', 'blocked');
CREATE INDEX operations_batch ON operations(batch_id);
