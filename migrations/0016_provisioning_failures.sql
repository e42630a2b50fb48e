-- Why AWS could not bring an account's copy of a permission set up to date, while it is
-- outdated (the FailureReason of the last provisioning to it that failed), so the lint can
-- flag a customer-managed policy missing in an account the set is provisioned to.
ALTER TABLE provisioned ADD COLUMN failure TEXT;
