-- Troubleshooting checks: each run and its findings, so the Checks view works offline
-- and a finding can be compared with the previous run.

CREATE TABLE check_runs (
    id          INTEGER PRIMARY KEY,
    ran_at      TEXT NOT NULL,
    snapshot_id INTEGER,
    -- Whether the live (AWS) checks ran too, or only the snapshot ones.
    live        INTEGER NOT NULL DEFAULT 0,
    -- Why live checks could not run, when they could not.
    live_error  TEXT
);

CREATE TABLE findings (
    id        INTEGER PRIMARY KEY,
    run_id    INTEGER NOT NULL REFERENCES check_runs(id) ON DELETE CASCADE,
    check_id  TEXT NOT NULL,
    severity  TEXT NOT NULL CHECK (severity IN ('error', 'warning', 'info')),
    title     TEXT NOT NULL,
    subject   TEXT,
    evidence  TEXT NOT NULL,
    fix       TEXT NOT NULL
);
CREATE INDEX findings_run ON findings(run_id);
