-- Snapshots, and every synced entity stored with the snapshots it is valid in:
-- a row is visible in snapshot S when valid_from <= S and (valid_to IS NULL or valid_to > S).
-- An unchanged resync therefore adds one snapshot row and nothing else.

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE TABLE snapshots (
    id           INTEGER PRIMARY KEY,
    started_at   TEXT NOT NULL,
    finished_at  TEXT NOT NULL,
    status       TEXT NOT NULL CHECK (status IN ('complete', 'failed')),
    strategy     TEXT,
    full_scan    INTEGER NOT NULL DEFAULT 0,
    api_calls    INTEGER NOT NULL DEFAULT 0,
    duration_ms  INTEGER NOT NULL DEFAULT 0,
    rows_changed INTEGER NOT NULL DEFAULT 0,
    error        TEXT
);

CREATE TABLE snapshot_calls (
    snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,
    operation   TEXT NOT NULL,
    calls       INTEGER NOT NULL,
    PRIMARY KEY (snapshot_id, operation)
) WITHOUT ROWID;

CREATE TABLE organizations (
    row_id INTEGER PRIMARY KEY,
    id TEXT NOT NULL, management_account_id TEXT NOT NULL, feature_set TEXT,
    valid_from INTEGER NOT NULL, valid_to INTEGER
);

CREATE TABLE ous (
    row_id INTEGER PRIMARY KEY,
    id TEXT NOT NULL, name TEXT NOT NULL, parent_id TEXT, is_root INTEGER NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER
);

CREATE TABLE accounts (
    row_id INTEGER PRIMARY KEY,
    id TEXT NOT NULL, name TEXT NOT NULL, email TEXT, status TEXT, joined_method TEXT,
    parent_id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER
);
CREATE INDEX accounts_id ON accounts(id);

CREATE TABLE delegated_admins (
    row_id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER
);

CREATE TABLE instances (
    row_id INTEGER PRIMARY KEY,
    instance_arn TEXT NOT NULL, identity_store_id TEXT NOT NULL, owner_account_id TEXT NOT NULL,
    region TEXT NOT NULL, name TEXT, status TEXT, source TEXT NOT NULL, accessed_from TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER
);

CREATE TABLE permission_sets (
    row_id INTEGER PRIMARY KEY,
    arn TEXT NOT NULL, instance_arn TEXT NOT NULL, name TEXT NOT NULL, description TEXT,
    session_duration TEXT, relay_state TEXT, inline_policy TEXT,
    managed_policies TEXT NOT NULL, customer_managed_policies TEXT NOT NULL, permissions_boundary TEXT,
    valid_from INTEGER NOT NULL, valid_to INTEGER
);
CREATE INDEX permission_sets_arn ON permission_sets(arn);

CREATE TABLE provisioned (
    row_id INTEGER PRIMARY KEY,
    instance_arn TEXT NOT NULL, permission_set_arn TEXT NOT NULL, account_id TEXT NOT NULL,
    outdated INTEGER NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER
);

CREATE TABLE dir_users (
    row_id INTEGER PRIMARY KEY,
    identity_store_id TEXT NOT NULL, user_id TEXT NOT NULL, user_name TEXT NOT NULL,
    display_name TEXT, given_name TEXT, family_name TEXT, email TEXT,
    valid_from INTEGER NOT NULL, valid_to INTEGER
);
CREATE INDEX dir_users_id ON dir_users(user_id);
CREATE INDEX dir_users_name ON dir_users(user_name);

CREATE TABLE dir_groups (
    row_id INTEGER PRIMARY KEY,
    identity_store_id TEXT NOT NULL, group_id TEXT NOT NULL, display_name TEXT NOT NULL, description TEXT,
    valid_from INTEGER NOT NULL, valid_to INTEGER
);
CREATE INDEX dir_groups_id ON dir_groups(group_id);
CREATE INDEX dir_groups_name ON dir_groups(display_name);

CREATE TABLE dir_memberships (
    row_id INTEGER PRIMARY KEY,
    identity_store_id TEXT NOT NULL, group_id TEXT NOT NULL, user_id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER
);
CREATE INDEX dir_memberships_user ON dir_memberships(user_id);
CREATE INDEX dir_memberships_group ON dir_memberships(group_id);

CREATE TABLE assignments (
    row_id INTEGER PRIMARY KEY,
    instance_arn TEXT NOT NULL, account_id TEXT NOT NULL, permission_set_arn TEXT NOT NULL,
    principal_type TEXT NOT NULL, principal_id TEXT NOT NULL,
    valid_from INTEGER NOT NULL, valid_to INTEGER
);
CREATE INDEX assignments_principal ON assignments(principal_id);
CREATE INDEX assignments_account ON assignments(account_id);

CREATE TABLE member_access (
    row_id INTEGER PRIMARY KEY,
    account_id TEXT NOT NULL, reachable INTEGER NOT NULL, holds_instance INTEGER NOT NULL, detail TEXT,
    valid_from INTEGER NOT NULL, valid_to INTEGER
);

-- The writer reads only the open rows of each table.
CREATE INDEX organizations_open ON organizations(valid_to) WHERE valid_to IS NULL;
CREATE INDEX ous_open ON ous(valid_to) WHERE valid_to IS NULL;
CREATE INDEX accounts_open ON accounts(valid_to) WHERE valid_to IS NULL;
CREATE INDEX delegated_admins_open ON delegated_admins(valid_to) WHERE valid_to IS NULL;
CREATE INDEX instances_open ON instances(valid_to) WHERE valid_to IS NULL;
CREATE INDEX permission_sets_open ON permission_sets(valid_to) WHERE valid_to IS NULL;
CREATE INDEX provisioned_open ON provisioned(valid_to) WHERE valid_to IS NULL;
CREATE INDEX dir_users_open ON dir_users(valid_to) WHERE valid_to IS NULL;
CREATE INDEX dir_groups_open ON dir_groups(valid_to) WHERE valid_to IS NULL;
CREATE INDEX dir_memberships_open ON dir_memberships(valid_to) WHERE valid_to IS NULL;
CREATE INDEX assignments_open ON assignments(valid_to) WHERE valid_to IS NULL;
CREATE INDEX member_access_open ON member_access(valid_to) WHERE valid_to IS NULL;
