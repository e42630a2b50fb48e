//! SQLite, and the only place SQL is written: one `open()` with the pragmas, migrations,
//! backups and recovery, and one module per group of tables — snapshots (`snapshots`,
//! `entity_tables`, `versioned`, `merge`, `queries`, `access_sql`, `retention`), the
//! provisioning queue (`operations`), grant requests (`grants`), the audit log (`audit`),
//! check runs (`check_runs`) and access reviews (`reviews`). Core entry points take a
//! `Connection` from `open()`.

mod access_sql;
pub mod audit;
pub mod backup;
pub mod check_runs;
mod entity_tables;
pub mod expiry_schedules;
pub mod grants;
mod merge;
pub(crate) mod migrate;
pub mod operations;
pub mod queries;
pub mod recover;
pub mod retention;
pub mod reviews;
pub mod search;
pub mod session_blocks;
pub mod snapshots;
mod versioned;

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OptionalExtension};

use crate::error::{Error, Result};

pub use versioned::{
    changes_between, key as versioned_key, versions_where, Version as RowVersion, Versioned,
};

/// A value read from the database that this version does not know: an error naming it,
/// never a silent default.
pub fn unknown_value(column: usize, what: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(
        column,
        rusqlite::types::Type::Text,
        format!("unknown {what} {value:?} in the database").into(),
    )
}

/// The principal type in `column` of `r` (`USER` or `GROUP`).
pub fn principal_type_at(
    r: &rusqlite::Row<'_>,
    column: usize,
) -> rusqlite::Result<crate::model::PrincipalType> {
    let s: String = r.get(column)?;
    crate::model::PrincipalType::parse(&s)
        .ok_or_else(|| unknown_value(column, "principal type", &s))
}

/// The columns of what a grant request holds (tables `grants` and `expiry_schedules`), in
/// the order of [`granted_params`] and [`granted_at`].
pub(crate) const GRANTED_COLS: &str =
    "target, account_id, account_name, permission_set_arn, permission_set_name, \
     principal_type, principal_id, principal_name, identity_store_id, group_id, group_name";

/// How many columns [`GRANTED_COLS`] names.
pub(crate) const GRANTED_LEN: usize = 11;

/// `?1, ?2, … ?n`.
pub(crate) fn placeholders(n: usize) -> String {
    (1..=n)
        .map(|i| format!("?{i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The parameters of an insert: `head`, then the values of [`GRANTED_COLS`] for `g`, then
/// `tail` (in the order the statement names its columns).
pub(crate) fn with_granted<const H: usize, const T: usize>(
    head: [rusqlite::types::Value; H],
    g: &crate::model::operation::Granted,
    tail: [rusqlite::types::Value; T],
) -> Vec<rusqlite::types::Value> {
    head.into_iter()
        .chain(
            granted_params(g)
                .into_iter()
                .map(rusqlite::types::Value::from),
        )
        .chain(tail)
        .collect()
}

/// The values of [`GRANTED_COLS`]; the other kind's columns are NULL.
fn granted_params(g: &crate::model::operation::Granted) -> [Option<String>; GRANTED_LEN] {
    use crate::model::operation::Granted;
    let o = |v: &Option<String>| v.clone();
    match g {
        Granted::Assignment(a) => [
            Some("assignment".into()),
            Some(a.account_id.clone()),
            o(&a.account_name),
            Some(a.permission_set_arn.clone()),
            o(&a.permission_set_name),
            Some(a.principal_type.as_str().into()),
            Some(a.principal_id.clone()),
            o(&a.principal_name),
            None,
            None,
            None,
        ],
        Granted::Membership(m) => [
            Some("membership".into()),
            None,
            None,
            None,
            None,
            Some(crate::model::PrincipalType::User.as_str().into()),
            Some(m.principal_id.clone()),
            o(&m.principal_name),
            Some(m.identity_store_id.clone()),
            Some(m.group_id.clone()),
            o(&m.group_name),
        ],
    }
}

/// What a grant request holds, read from [`GRANTED_COLS`] starting at column `at`.
pub(crate) fn granted_at(
    r: &rusqlite::Row<'_>,
    at: usize,
) -> rusqlite::Result<crate::model::operation::Granted> {
    use crate::model::operation::{AssignmentSpec, Granted, MembershipSpec};
    let target: String = r.get(at)?;
    // A column the kind needs but the row lacks: a damaged row, never a default.
    let need = |i: usize| -> rusqlite::Result<String> {
        r.get::<_, Option<String>>(at + i)?
            .ok_or_else(|| unknown_value(at + i, "empty value of a required column", ""))
    };
    match target.as_str() {
        "assignment" => Ok(Granted::Assignment(AssignmentSpec {
            account_id: need(1)?,
            account_name: r.get(at + 2)?,
            permission_set_arn: need(3)?,
            permission_set_name: r.get(at + 4)?,
            principal_type: principal_type_at(r, at + 5)?,
            principal_id: r.get(at + 6)?,
            principal_name: r.get(at + 7)?,
        })),
        "membership" => Ok(Granted::Membership(MembershipSpec {
            identity_store_id: need(8)?,
            principal_id: r.get(at + 6)?,
            principal_name: r.get(at + 7)?,
            group_id: need(9)?,
            group_name: r.get(at + 10)?,
        })),
        other => Err(unknown_value(at, "grant target", other)),
    }
}

/// SQLite's verdict on the whole file (`PRAGMA integrity_check`): "ok", or what is damaged.
pub fn integrity(conn: &Connection) -> rusqlite::Result<String> {
    conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))
}

/// The database file's name inside a data folder.
pub const DB_FILE: &str = "hallpass.db";

/// The database file inside a data folder.
pub fn db_path(data_dir: &Path) -> PathBuf {
    data_dir.join(DB_FILE)
}

fn wal_path(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}-wal", db.display()))
}

fn shm_path(db: &Path) -> PathBuf {
    PathBuf::from(format!("{}-shm", db.display()))
}

/// Opens (creating if needed) the database in `data_dir` and brings its schema up to date
/// (backing it up first when a migration is due). A damaged file is reported as
/// [`Error::Damaged`], naming the newest backup and how to restore it.
pub fn open(data_dir: &Path) -> Result<Connection> {
    open_with(data_dir, migrate::MIGRATIONS)
}

fn open_with(data_dir: &Path, migrations: &[migrate::Migration]) -> Result<Connection> {
    crate::paths::private_dir(data_dir).map_err(|e| {
        Error::io(
            format!("cannot create the data folder {}", data_dir.display()),
            e,
        )
    })?;
    let path = db_path(data_dir);
    // The database is its owner's alone (0600); SQLite gives its -wal and -shm files the
    // database file's mode, so a new one is created (empty, which SQLite takes as a new
    // database) before SQLite opens it. Only a new one: closing any descriptor of an open
    // database file drops this process's POSIX locks on it (SQLite's "How To Corrupt"),
    // so an existing file is only chmod-ed, by path.
    let created = if path.exists() {
        Ok(())
    } else {
        crate::paths::private_options()
            .create(true)
            .append(true)
            .open(&path)
            .map(drop)
    };
    created
        .and_then(|_| {
            for f in [path.clone(), wal_path(&path), shm_path(&path)] {
                crate::paths::restrict(&f)?;
            }
            Ok(())
        })
        .map_err(|e| Error::io(format!("cannot create {}", path.display()), e))?;
    let opened = Connection::open(&path)
        .map_err(Error::from)
        .and_then(|mut conn| {
            conn.busy_timeout(std::time::Duration::from_secs(10))?;
            conn.pragma_update(None, "journal_mode", "WAL")?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            conn.pragma_update(None, "foreign_keys", "ON")?;
            migrate::migrate(&mut conn, data_dir, migrations)?;
            Ok(conn)
        });
    opened.map_err(|e| match e {
        Error::Damaged { cause, .. } => {
            let e = damaged(data_dir, &cause);
            crate::logs::error(e.to_string());
            e
        }
        other => other,
    })
}

/// The message for a damaged database: where it is, the newest backup, the fix.
fn damaged(data_dir: &Path, cause: &str) -> Error {
    let path = db_path(data_dir);
    let offer = match backup::list(data_dir)
        .ok()
        .and_then(|b| b.into_iter().next())
    {
        Some(b) => format!(
            "The newest backup is {} (made {}). Restore it with `hallpass db restore` or the \
             app's Restore button; the damaged file is kept aside, not deleted.",
            b.name, b.made_at
        ),
        None => "There is no backup. Start with an empty database (`hallpass db start-empty` or \
                 the app's button; the damaged file is kept aside) and sync again."
            .to_owned(),
    };
    Error::Damaged {
        message: format!(
            "the Hallpass database {} is damaged ({cause}). {offer}",
            path.display()
        ),
        cause: cause.to_owned(),
    }
}

pub fn get_setting(conn: &Connection, key: &str) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| {
            r.get(0)
        })
        .optional()?)
}

pub fn set_setting(conn: &Connection, key: &str, value: &str) -> Result<()> {
    conn.execute(
        "INSERT INTO settings(key, value) VALUES (?1, ?2)
         ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        [key, value],
    )?;
    Ok(())
}

/// This data folder's own random id (made on first use): what its keychain entry is
/// filed under, so that every organization keeps its own connection.
pub fn folder_id(conn: &Connection) -> Result<String> {
    if let Some(id) = get_setting(conn, "folder_id")? {
        return Ok(id);
    }
    let id = crate::random::hex(12)?;
    // Two processes may race to make it: the first one written wins.
    conn.execute(
        "INSERT INTO settings(key, value) VALUES ('folder_id', ?1) ON CONFLICT(key) DO NOTHING",
        [&id],
    )?;
    Ok(get_setting(conn, "folder_id")?.unwrap_or(id))
}

pub fn delete_setting(conn: &Connection, key: &str) -> Result<()> {
    conn.execute("DELETE FROM settings WHERE key = ?1", [key])?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_unknown_value_in_the_database_is_an_error_not_a_default() {
        let dir = tempfile::tempdir().unwrap();
        let conn = super::open(dir.path()).unwrap();
        conn.execute_batch(
            "INSERT INTO snapshots(id, started_at, finished_at, status) VALUES (1, 't', 't', 'complete');
             INSERT INTO assignments(instance_arn, account_id, permission_set_arn, principal_type, principal_id, valid_from)
                 VALUES ('i', '111111111111', 'ps', 'ROBOT', 'r-1', 1);
             INSERT INTO instances(instance_arn, identity_store_id, owner_account_id, region, source, accessed_from, valid_from)
                 VALUES ('i', 'd-1', '111111111111', 'eu-north-1', 'satellite', '', 1);",
        )
        .unwrap();
        let err = super::queries::assignments(&conn, 1)
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown principal type \"ROBOT\""), "{err}");
        let err = super::queries::instances(&conn, 1).unwrap_err().to_string();
        assert!(
            err.contains("unknown instance source \"satellite\""),
            "{err}"
        );
    }
}
