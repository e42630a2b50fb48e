//! Recovering from a damaged database: putting a backup in its place, or starting an
//! empty one. The damaged file is always kept aside, never deleted.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::backup::{backups_dir, file_stamp, list};
use crate::error::{Error, Result};

/// Puts backup `name` in place of the database. The current database file (and its
/// WAL) is moved aside to `hallpass.db.damaged-{timestamp}`, not deleted. Returns that path.
pub fn restore(data_dir: &Path, name: &str) -> Result<PathBuf> {
    let known = list(data_dir)?;
    if !known.iter().any(|b| b.name == name) {
        let names: Vec<_> = known.iter().map(|b| b.name.as_str()).collect();
        return Err(Error::InvalidInput(if names.is_empty() {
            format!("there is no backup named {name:?}: the data folder has no backups")
        } else {
            format!(
                "there is no backup named {name:?}; the backups are: {}",
                names.join(", ")
            )
        }));
    }
    let source = backups_dir(data_dir).join(name);
    verify(&source)?;
    let aside = move_aside(data_dir)?;
    let db = super::db_path(data_dir);
    let partial = data_dir.join("hallpass.db.restoring");
    std::fs::copy(&source, &partial)
        .map_err(|e| Error::io(format!("cannot copy {}", source.display()), e))?;
    move_file(&partial, &db)?;
    crate::logs::warn(format!(
        "restored backup {name}; the previous file is kept as {}",
        aside.display()
    ));
    Ok(aside)
}

/// Moves the database away (kept as `hallpass.db.damaged-{timestamp}`) so the next open
/// starts an empty one; the organization comes back with the next sync.
/// Refused when the database opens fine: it is only for a damaged one.
pub fn start_empty(data_dir: &Path) -> Result<PathBuf> {
    match super::open(data_dir) {
        Err(Error::Damaged { .. }) => {
            let aside = move_aside(data_dir)?;
            crate::logs::warn(format!(
                "started an empty database; the damaged file is kept as {}",
                aside.display()
            ));
            Ok(aside)
        }
        Err(e) => Err(e),
        Ok(_) => Err(Error::InvalidInput(
            "the database is not damaged, so nothing was moved; restoring a backup \
             (`hallpass db restore NAME`) goes back to an earlier state instead"
                .into(),
        )),
    }
}

/// Renames the database file and its WAL and shared-memory files to
/// `hallpass.db.damaged-{timestamp}…`.
fn move_aside(data_dir: &Path) -> Result<PathBuf> {
    let db = super::db_path(data_dir);
    let stamp = file_stamp();
    let aside = data_dir.join(format!("hallpass.db.damaged-{stamp}"));
    for suffix in ["", "-wal", "-shm"] {
        let from = PathBuf::from(format!("{}{suffix}", db.display()));
        if from.exists() {
            move_file(
                &from,
                &PathBuf::from(format!("{}{suffix}", aside.display())),
            )?;
        }
    }
    Ok(aside)
}

fn move_file(from: &Path, to: &Path) -> Result<()> {
    std::fs::rename(from, to).map_err(|e| {
        Error::io(
            format!("cannot move {} to {}", from.display(), to.display()),
            e,
        )
    })
}

/// A backup is only put in place when SQLite finds it whole.
fn verify(path: &Path) -> Result<()> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| Error::Store(format!("cannot open the backup {}: {e}", path.display())))?;
    let verdict = super::integrity(&conn)
        .map_err(|e| Error::Store(format!("the backup {} is unreadable: {e}", path.display())))?;
    if verdict != "ok" {
        return Err(Error::Store(format!(
            "the backup {} is damaged too ({verdict}); choose another one",
            path.display()
        )));
    }
    Ok(())
}
