-- Access reviews keep the ids behind the names they show: a revocation planned from a
-- review acts on the principal, group and permission set that were reviewed, even when
-- names are reused or renamed later (names are not unique).
ALTER TABLE review_items ADD COLUMN principal_id TEXT;
ALTER TABLE review_items ADD COLUMN permission_set_arn TEXT;
ALTER TABLE review_items ADD COLUMN via_group_id TEXT;

-- Reviews started before this version: the ids as the reviewed snapshot knew the names,
-- only where a name fits exactly one item there (otherwise the id stays unknown and a
-- revocation of that item is refused with a request to start a new review).
UPDATE review_items SET principal_id = (
    SELECT MIN(x.id) FROM (
        SELECT u.user_id AS id FROM dir_users u
          JOIN reviews r ON r.id = review_items.review_id
          JOIN instances i ON i.instance_arn = review_items.instance_arn
               AND i.valid_from <= r.snapshot_id AND (i.valid_to IS NULL OR i.valid_to > r.snapshot_id)
         WHERE review_items.principal_type = 'USER' AND u.user_name = review_items.principal_name
           AND u.identity_store_id = i.identity_store_id
           AND u.valid_from <= r.snapshot_id AND (u.valid_to IS NULL OR u.valid_to > r.snapshot_id)
        UNION ALL
        SELECT g.group_id FROM dir_groups g
          JOIN reviews r ON r.id = review_items.review_id
          JOIN instances i ON i.instance_arn = review_items.instance_arn
               AND i.valid_from <= r.snapshot_id AND (i.valid_to IS NULL OR i.valid_to > r.snapshot_id)
         WHERE review_items.principal_type = 'GROUP' AND g.display_name = review_items.principal_name
           AND g.identity_store_id = i.identity_store_id
           AND g.valid_from <= r.snapshot_id AND (g.valid_to IS NULL OR g.valid_to > r.snapshot_id)
    ) x HAVING COUNT(*) = 1);

UPDATE review_items SET via_group_id = (
    SELECT MIN(g.group_id) FROM dir_groups g
      JOIN reviews r ON r.id = review_items.review_id
      JOIN instances i ON i.instance_arn = review_items.instance_arn
           AND i.valid_from <= r.snapshot_id AND (i.valid_to IS NULL OR i.valid_to > r.snapshot_id)
     WHERE g.display_name = review_items.via_group AND g.identity_store_id = i.identity_store_id
       AND g.valid_from <= r.snapshot_id AND (g.valid_to IS NULL OR g.valid_to > r.snapshot_id)
    HAVING COUNT(*) = 1)
 WHERE via_group IS NOT NULL;

UPDATE review_items SET permission_set_arn = (
    SELECT MIN(p.arn) FROM permission_sets p
      JOIN reviews r ON r.id = review_items.review_id
     WHERE p.instance_arn = review_items.instance_arn
       AND (p.name = review_items.permission_set OR p.arn = review_items.permission_set)
       AND p.valid_from <= r.snapshot_id AND (p.valid_to IS NULL OR p.valid_to > r.snapshot_id)
    HAVING COUNT(*) = 1);
