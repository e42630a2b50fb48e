-- The organization instance's regions (ListRegions, JSON array) and the account that
-- administers it (the delegated administrator for sso.amazonaws.com, or the management account).
ALTER TABLE instances ADD COLUMN regions TEXT;
ALTER TABLE instances ADD COLUMN administered_by TEXT;
