-- Audit rows say who acted (the caller's ARN, from GetCallerIdentity) and what they acted
-- on by id as well as by name, and are hash-chained: each row's hash covers its content
-- and the previous row's hash, so a changed or removed row breaks `hallpass audit verify`.
-- Rows written before this version have no hash and are reported as not covered.
ALTER TABLE audit ADD COLUMN caller_arn TEXT;
ALTER TABLE audit ADD COLUMN principal_type TEXT;
ALTER TABLE audit ADD COLUMN principal_id TEXT;
ALTER TABLE audit ADD COLUMN principal_name TEXT;
ALTER TABLE audit ADD COLUMN account_id TEXT;
ALTER TABLE audit ADD COLUMN account_name TEXT;
ALTER TABLE audit ADD COLUMN permission_set_arn TEXT;
ALTER TABLE audit ADD COLUMN permission_set_name TEXT;
ALTER TABLE audit ADD COLUMN group_id TEXT;
ALTER TABLE audit ADD COLUMN group_name TEXT;
ALTER TABLE audit ADD COLUMN prev_hash TEXT;
ALTER TABLE audit ADD COLUMN hash TEXT;
