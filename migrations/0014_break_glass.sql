-- Break-glass grants: the organization's break-glass permission set to a named user, short,
-- always notified and audited, shown until it ends.
ALTER TABLE grants ADD COLUMN break_glass INTEGER NOT NULL DEFAULT 0;
