//! Schema migrations: `migrations/NNNN_name.sql`, embedded, applied in order, each recorded.

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use crate::error::{Error, Result};

/// Version, name, SQL.
pub(super) type Migration = (i64, &'static str, &'static str);

pub(super) const MIGRATIONS: &[Migration] = &[
    (1, "init", include_str!("../../migrations/0001_init.sql")),
    (
        2,
        "provisioning",
        include_str!("../../migrations/0002_provisioning.sql"),
    ),
    (
        3,
        "checks",
        include_str!("../../migrations/0003_checks.sql"),
    ),
    (
        4,
        "reviews",
        include_str!("../../migrations/0004_reviews.sql"),
    ),
    (
        5,
        "access_indexes",
        include_str!("../../migrations/0005_access_indexes.sql"),
    ),
    (
        6,
        "user_status",
        include_str!("../../migrations/0006_user_status.sql"),
    ),
    (
        7,
        "instance_regions",
        include_str!("../../migrations/0007_instance_regions.sql"),
    ),
    (
        8,
        "review_ids",
        include_str!("../../migrations/0008_review_ids.sql"),
    ),
    (
        9,
        "imported_from",
        include_str!("../../migrations/0009_imported_from.sql"),
    ),
    (
        10,
        "audit_chain",
        include_str!("../../migrations/0010_audit_chain.sql"),
    ),
    (
        11,
        "expiry_schedules",
        include_str!("../../migrations/0011_expiry_schedules.sql"),
    ),
    (
        12,
        "membership_grants",
        include_str!("../../migrations/0012_membership_grants.sql"),
    ),
    (
        13,
        "session_blocks",
        include_str!("../../migrations/0013_session_blocks.sql"),
    ),
    (
        14,
        "break_glass",
        include_str!("../../migrations/0014_break_glass.sql"),
    ),
    (
        15,
        "permission_set_operations",
        include_str!("../../migrations/0015_permission_set_operations.sql"),
    ),
    (
        16,
        "provisioning_failures",
        include_str!("../../migrations/0016_provisioning_failures.sql"),
    ),
    (
        17,
        "user_search",
        include_str!("../../migrations/0017_user_search.sql"),
    ),
];

/// Applies the pending `migrations`; an existing database is backed up into the data
/// folder's `backups/` first.
pub(super) fn migrate(
    conn: &mut Connection,
    data_dir: &Path,
    migrations: &[Migration],
) -> Result<()> {
    let newest = migrations.last().map(|m| m.0).unwrap_or(0);
    match applied_version(conn)? {
        // Up to date (every open but the first after an upgrade): no write lock taken, so
        // opening never waits behind a sync that is writing.
        Some(current) if current == newest => return Ok(()),
        Some(current) if current > 0 && current < newest => {
            super::backup::make(conn, data_dir, current)?;
        }
        _ => {}
    }
    // Checked again under the write lock: another process may have migrated meanwhile.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)",
    )?;
    let current: i64 = tx.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?;
    if current > newest {
        return Err(Error::Store(format!(
            "this database was written by a newer Hallpass (schema version {current}; this build knows up to {newest}). \
             Install the newer Hallpass, or point --data-dir at another folder."
        )));
    }
    for (version, name, sql) in migrations.iter().filter(|m| m.0 > current) {
        crate::logs::info(format!("applying migration {version} ({name})"));
        tx.execute_batch(sql)
            .map_err(|e| Error::Store(format!("migration {version} ({name}) failed: {e}")))?;
        tx.execute(
            "INSERT INTO schema_migrations(version, name, applied_at) VALUES (?1, ?2, ?3)",
            rusqlite::params![version, name, crate::clock::now_rfc3339()],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// The schema version recorded, or `None` for a database that has never been migrated.
fn applied_version(conn: &Connection) -> Result<Option<i64>> {
    let has_table: bool = conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'schema_migrations')",
        [],
        |r| r.get(0),
    )?;
    if !has_table {
        return Ok(None);
    }
    Ok(Some(conn.query_row(
        "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )?))
}

#[cfg(test)]
mod tests {
    #[test]
    fn refuses_a_database_from_a_newer_hallpass_and_leaves_it_alone() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::store::open(dir.path()).unwrap();
        conn.execute(
            "INSERT INTO schema_migrations(version, name, applied_at) VALUES (999, 'future', 'x')",
            [],
        )
        .unwrap();
        drop(conn);
        let err = crate::store::open(dir.path()).unwrap_err().to_string();
        assert!(err.contains("newer Hallpass"), "{err}");
        assert!(err.contains("schema version 999"), "{err}");
        let conn = rusqlite::Connection::open(crate::store::db_path(dir.path())).unwrap();
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, super::MIGRATIONS.len() as i64 + 1, "nothing was changed");
    }

    #[test]
    fn opening_twice_applies_each_migration_once() {
        let dir = tempfile::tempdir().unwrap();
        drop(crate::store::open(dir.path()).unwrap());
        let conn = crate::store::open(dir.path()).unwrap();
        let n: i64 = conn
            .query_row("SELECT COUNT(*) FROM schema_migrations", [], |r| r.get(0))
            .unwrap();
        assert_eq!(n, super::MIGRATIONS.len() as i64);
        let mode: String = conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
    }
}
