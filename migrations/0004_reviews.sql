-- Access reviews: a packet of who has access (to one account, or through one permission
-- set) as of one snapshot, and the reviewer's keep / revoke decisions with notes.

CREATE TABLE reviews (
    id           INTEGER PRIMARY KEY,
    snapshot_id  INTEGER NOT NULL REFERENCES snapshots(id),
    scope        TEXT NOT NULL CHECK (scope IN ('account', 'permission-set')),
    scope_id     TEXT NOT NULL,
    scope_name   TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    reviewer     TEXT NOT NULL,
    completed_at TEXT
);

CREATE TABLE review_items (
    review_id      INTEGER NOT NULL REFERENCES reviews(id) ON DELETE CASCADE,
    item           INTEGER NOT NULL,
    instance_arn   TEXT NOT NULL,
    account_id     TEXT NOT NULL,
    account_name   TEXT,
    permission_set TEXT NOT NULL,
    principal_type TEXT NOT NULL,
    principal_name TEXT NOT NULL,
    via_group      TEXT,
    decision       TEXT CHECK (decision IN ('keep', 'revoke')),
    note           TEXT,
    decided_at     TEXT,
    PRIMARY KEY (review_id, item)
) WITHOUT ROWID;
