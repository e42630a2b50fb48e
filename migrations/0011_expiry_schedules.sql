-- The EventBridge Scheduler schedules Hallpass wrote to end time-bound access in AWS
-- itself: one per assignment with active time-bound requests, at the latest of their
-- expiries. Kept so that a sync can tell Hallpass's own schedules from unknown ones and
-- see which fired while no Hallpass ran.
CREATE TABLE expiry_schedules (
    name                TEXT PRIMARY KEY,
    instance_arn        TEXT NOT NULL,
    account_id          TEXT NOT NULL,
    permission_set_arn  TEXT NOT NULL,
    principal_type      TEXT NOT NULL,
    principal_id        TEXT NOT NULL,
    fire_at             TEXT NOT NULL,
    written_at          TEXT NOT NULL
);
