//! Backups of the database: one is made before every migration, and a damaged database
//! can be swapped for one (the damaged file is kept aside, never deleted).

use std::path::{Path, PathBuf};

use rusqlite::Connection;

use crate::error::{Error, Result};

/// How many backups are kept; older ones are removed after a new one is made.
const KEEP: usize = 5;

pub fn backups_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("backups")
}

/// One backup file, newest first in [`list`].
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Backup {
    /// The file name inside the data folder's `backups/`.
    pub name: String,
    /// When it was made (RFC 3339, UTC).
    pub made_at: String,
    /// The schema version it holds.
    #[ts(type = "number")]
    pub schema_version: i64,
    #[ts(type = "number")]
    pub bytes: u64,
}

/// Copies the whole database (consistently, while it stays usable) into
/// `backups/hallpass-v{version}-{timestamp}.db`, then keeps the newest few.
pub fn make(conn: &Connection, data_dir: &Path, schema_version: i64) -> Result<PathBuf> {
    let dir = backups_dir(data_dir);
    crate::paths::private_dir(&dir)
        .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    let stamp = file_stamp();
    let path = dir.join(format!("hallpass-v{schema_version}-{stamp}.db"));
    if path.exists() {
        std::fs::remove_file(&path)
            .map_err(|e| Error::io(format!("cannot replace {}", path.display()), e))?;
    }
    let target = path.to_str().ok_or_else(|| {
        Error::Store(format!(
            "the data folder path is not UTF-8: {}",
            dir.display()
        ))
    })?;
    conn.execute("VACUUM INTO ?1", [target])
        .map_err(|e| Error::Store(format!("cannot back up the database to {target}: {e}")))?;
    crate::paths::restrict(&path)
        .map_err(|e| Error::io(format!("cannot protect {}", path.display()), e))?;
    prune(data_dir)?;
    crate::logs::info(format!(
        "backed up the database (schema v{schema_version}) to {}",
        path.display()
    ));
    Ok(path)
}

/// Every backup, newest first.
pub fn list(data_dir: &Path) -> Result<Vec<Backup>> {
    let dir = backups_dir(data_dir);
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(vec![]),
        Err(e) => return Err(Error::io(format!("cannot read {}", dir.display()), e)),
    };
    let mut out = vec![];
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some((version, stamp)) = parse_name(&name) else {
            continue;
        };
        let bytes = entry.metadata().map(|m| m.len()).unwrap_or(0);
        out.push(Backup {
            made_at: unstamp(stamp),
            name,
            schema_version: version,
            bytes,
        });
    }
    out.sort_by(|a, b| b.made_at.cmp(&a.made_at).then(b.name.cmp(&a.name)));
    Ok(out)
}

/// Now, for a file name on any platform (no `:`): `20261122T211548.123456789Z`.
pub(super) fn file_stamp() -> String {
    crate::clock::now_rfc3339().replace([':', '-'], "")
}

fn parse_name(name: &str) -> Option<(i64, &str)> {
    let rest = name.strip_prefix("hallpass-v")?.strip_suffix(".db")?;
    let (version, stamp) = rest.split_once('-')?;
    Some((version.parse().ok()?, stamp))
}

/// `20261122T211548Z` → `2026-11-22T21:15:48Z`.
fn unstamp(stamp: &str) -> String {
    let s = stamp.as_bytes();
    if s.len() < 15 || !stamp.is_ascii() {
        return stamp.to_owned();
    }
    format!(
        "{}-{}-{}T{}:{}:{}",
        &stamp[0..4],
        &stamp[4..6],
        &stamp[6..8],
        &stamp[9..11],
        &stamp[11..13],
        &stamp[13..]
    )
}

fn prune(data_dir: &Path) -> Result<()> {
    for old in list(data_dir)?.into_iter().skip(KEEP) {
        let path = backups_dir(data_dir).join(&old.name);
        std::fs::remove_file(&path).map_err(|e| {
            Error::io(
                format!("cannot remove the old backup {}", path.display()),
                e,
            )
        })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use crate::error::Error;
    use crate::store::{self, migrate::MIGRATIONS};

    /// A data folder whose database is one migration behind, holding one setting.
    fn older_database(dir: &Path) {
        let conn = store::open_with(dir, &MIGRATIONS[..MIGRATIONS.len() - 1]).unwrap();
        store::set_setting(&conn, "region", "eu-north-1").unwrap();
    }

    fn damage(dir: &Path) -> Vec<u8> {
        let path = store::db_path(dir);
        let mut bytes = std::fs::read(&path).unwrap();
        bytes[..32].copy_from_slice(b"this is not a SQLite database!!!");
        std::fs::write(&path, &bytes).unwrap();
        bytes
    }

    #[test]
    fn names_round_trip_to_their_version_and_time() {
        let (v, stamp) = super::parse_name("hallpass-v4-20261122T211548Z.db").unwrap();
        assert_eq!(v, 4);
        assert_eq!(super::unstamp(stamp), "2026-11-22T21:15:48Z");
        assert!(super::parse_name("hallpass.db").is_none());
        assert!(super::parse_name("hallpass-vX-1.db").is_none());
    }

    #[test]
    fn a_migration_backs_the_database_up_first() {
        let dir = tempfile::tempdir().unwrap();
        older_database(dir.path());
        assert!(
            super::list(dir.path()).unwrap().is_empty(),
            "a new database needs no backup"
        );
        drop(store::open(dir.path()).unwrap());
        let backups = super::list(dir.path()).unwrap();
        assert_eq!(backups.len(), 1, "{backups:?}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode =
                |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            let folder = super::backups_dir(dir.path());
            assert_eq!(mode(&folder), 0o700, "backups/ is the owner's alone");
            assert_eq!(mode(&folder.join(&backups[0].name)), 0o600);
        }
        let older = MIGRATIONS[MIGRATIONS.len() - 2].0;
        assert_eq!(backups[0].schema_version, older);
        let copy =
            rusqlite::Connection::open(super::backups_dir(dir.path()).join(&backups[0].name))
                .unwrap();
        let version: i64 = copy
            .query_row("SELECT MAX(version) FROM schema_migrations", [], |r| {
                r.get(0)
            })
            .unwrap();
        assert_eq!(
            version, older,
            "the backup is the database as it was before"
        );
        assert_eq!(
            store::get_setting(&copy, "region").unwrap().as_deref(),
            Some("eu-north-1")
        );
        drop(store::open(dir.path()).unwrap());
        assert_eq!(
            super::list(dir.path()).unwrap().len(),
            1,
            "no migration, no backup"
        );
    }

    #[test]
    fn a_damaged_database_names_its_backup_and_restoring_keeps_the_damaged_file() {
        let dir = tempfile::tempdir().unwrap();
        older_database(dir.path());
        drop(store::open(dir.path()).unwrap());
        let backup = super::list(dir.path()).unwrap().remove(0);
        let damaged = damage(dir.path());

        let err = store::open(dir.path()).unwrap_err();
        assert!(matches!(err, Error::Damaged { .. }), "{err:?}");
        let msg = err.to_string();
        assert!(msg.contains("is damaged"), "{msg}");
        assert!(msg.contains(&backup.name), "names the backup: {msg}");
        assert!(msg.contains("hallpass db restore"), "says how: {msg}");
        assert_eq!(err.code(), crate::error::ErrorCode::DatabaseDamaged);
        assert_eq!(
            std::fs::read(store::db_path(dir.path())).unwrap(),
            damaged,
            "a failed open changes nothing"
        );

        let unknown = crate::store::recover::restore(dir.path(), "../hallpass.db")
            .unwrap_err()
            .to_string();
        assert!(
            unknown.contains(&backup.name),
            "lists the real ones: {unknown}"
        );
        assert_eq!(std::fs::read(store::db_path(dir.path())).unwrap(), damaged);

        let aside = crate::store::recover::restore(dir.path(), &backup.name).unwrap();
        assert_eq!(
            std::fs::read(&aside).unwrap(),
            damaged,
            "the damaged file is kept"
        );
        let conn = store::open(dir.path()).unwrap();
        assert_eq!(
            store::get_setting(&conn, "region").unwrap().as_deref(),
            Some("eu-north-1"),
            "the backup's data is back"
        );
    }

    #[test]
    fn without_a_backup_the_message_offers_an_empty_start() {
        let dir = tempfile::tempdir().unwrap();
        drop(store::open(dir.path()).unwrap());
        let damaged = damage(dir.path());
        let msg = store::open(dir.path()).unwrap_err().to_string();
        assert!(msg.contains("There is no backup"), "{msg}");
        assert!(msg.contains("hallpass db start-empty"), "{msg}");
        let aside = crate::store::recover::start_empty(dir.path()).unwrap();
        assert_eq!(std::fs::read(aside).unwrap(), damaged);
        let conn = store::open(dir.path()).unwrap();
        store::set_setting(&conn, "region", "eu-west-1").unwrap();
        let refused = crate::store::recover::start_empty(dir.path())
            .unwrap_err()
            .to_string();
        assert!(refused.contains("not damaged"), "{refused}");
        assert_eq!(
            store::get_setting(&conn, "region").unwrap().as_deref(),
            Some("eu-west-1"),
            "a healthy database stays where it is"
        );
    }
}
