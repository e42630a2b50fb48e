//! Writing one sync as one snapshot (whole or absent), recording failures, listing.

use std::collections::BTreeMap;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::entity_tables::DelegatedAdmin;
use super::versioned::apply;
use crate::error::{Error, Result};
use crate::model::{ImportedFrom, OrgData, SnapshotInfo, SnapshotKind, SnapshotStatus, Strategy};

/// What a sync knows about itself besides the data it read.
#[derive(Debug, Clone)]
pub struct SyncMeta {
    pub started_at: String,
    pub finished_at: String,
    pub strategy: Option<Strategy>,
    pub full_scan: bool,
    pub calls: BTreeMap<String, u64>,
    pub duration_ms: u64,
    pub kind: SnapshotKind,
    /// For a refresh: the snapshot its data started from.
    pub base: Option<i64>,
}

impl SyncMeta {
    pub fn total_calls(&self) -> u64 {
        self.calls.values().sum()
    }
}

/// Writes `data` as a new complete snapshot in one transaction.
pub fn write_snapshot(
    conn: &mut Connection,
    data: &OrgData,
    meta: &SyncMeta,
) -> Result<SnapshotInfo> {
    write(conn, data, meta, None)
}

/// Writes someone's shared snapshot (kind `imported`, for reading only) with where it came from.
pub fn write_imported(
    conn: &mut Connection,
    data: &OrgData,
    meta: &SyncMeta,
    from: &ImportedFrom,
) -> Result<SnapshotInfo> {
    let from = serde_json::to_string(from).map_err(|e| Error::Internal(e.to_string()))?;
    write(conn, data, meta, Some(&from))
}

fn write(
    conn: &mut Connection,
    data: &OrgData,
    meta: &SyncMeta,
    imported_from: Option<&str>,
) -> Result<SnapshotInfo> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    // Under the write lock: nothing another writer saw later is undone (see merge.rs).
    let merged = match (meta.kind, meta.base) {
        (SnapshotKind::Sync, _) => {
            super::merge::sync_over_newer_refreshes(&tx, data, &meta.started_at)?
        }
        (_, Some(base)) => super::merge::refresh_rebased(&tx, data, base)?,
        _ => None,
    };
    let data = merged.as_ref().unwrap_or(data);
    tx.execute(
        "INSERT INTO snapshots(started_at, finished_at, status, strategy, full_scan, api_calls, duration_ms, kind,
             imported_from)
         VALUES (?1, ?2, 'complete', ?3, ?4, ?5, ?6, ?7, ?8)",
        rusqlite::params![
            meta.started_at,
            meta.finished_at,
            meta.strategy.map(|s| s.as_str()),
            meta.full_scan,
            meta.total_calls() as i64,
            meta.duration_ms as i64,
            meta.kind.as_str(),
            imported_from
        ],
    )?;
    let id = tx.last_insert_rowid();
    insert_calls(&tx, id, &meta.calls)?;
    let mut changed = 0;
    let org: Vec<_> = data.organization.iter().cloned().collect();
    changed += apply(&tx, id, &org)?;
    changed += apply(&tx, id, &data.ous)?;
    changed += apply(&tx, id, &data.accounts)?;
    let admins: Vec<DelegatedAdmin> = data
        .delegated_admins
        .iter()
        .cloned()
        .map(DelegatedAdmin)
        .collect();
    changed += apply(&tx, id, &admins)?;
    changed += apply(&tx, id, &data.instances)?;
    changed += apply(&tx, id, &data.permission_sets)?;
    changed += apply(&tx, id, &data.provisioned)?;
    changed += apply(&tx, id, &data.users)?;
    changed += apply(&tx, id, &data.groups)?;
    changed += apply(&tx, id, &data.memberships)?;
    changed += apply(&tx, id, &data.assignments)?;
    if let Some(scan) = &data.member_scan {
        changed += apply(&tx, id, scan)?;
    }
    tx.execute(
        "UPDATE snapshots SET rows_changed = ?1 WHERE id = ?2",
        rusqlite::params![changed as i64, id],
    )?;
    tx.commit()?;
    crate::logs::info(format!(
        "{} written as snapshot {id}: {} calls, {} ms, {changed} rows changed",
        meta.kind.as_str(),
        meta.total_calls(),
        meta.duration_ms
    ));
    snapshot(conn, id)?.ok_or_else(|| Error::Store(format!("snapshot {id} vanished after writing")))
}

/// Records a sync that failed: an entry with its error and calls, and no data.
pub fn record_failure(conn: &mut Connection, meta: &SyncMeta, error: &str) -> Result<SnapshotInfo> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT INTO snapshots(started_at, finished_at, status, strategy, full_scan, api_calls, duration_ms, error, kind)
         VALUES (?1, ?2, 'failed', ?3, ?4, ?5, ?6, ?7, ?8)",
        rusqlite::params![
            meta.started_at,
            meta.finished_at,
            meta.strategy.map(|s| s.as_str()),
            meta.full_scan,
            meta.total_calls() as i64,
            meta.duration_ms as i64,
            error,
            meta.kind.as_str()
        ],
    )?;
    let id = tx.last_insert_rowid();
    insert_calls(&tx, id, &meta.calls)?;
    tx.commit()?;
    crate::logs::warn(format!(
        "{} failed (snapshot entry {id}): {error}",
        meta.kind.as_str()
    ));
    snapshot(conn, id)?.ok_or_else(|| Error::Store(format!("snapshot {id} vanished after writing")))
}

fn insert_calls(conn: &Connection, id: i64, calls: &BTreeMap<String, u64>) -> Result<()> {
    let mut stmt = conn
        .prepare("INSERT INTO snapshot_calls(snapshot_id, operation, calls) VALUES (?1, ?2, ?3)")?;
    for (op, n) in calls {
        stmt.execute(rusqlite::params![id, op, *n as i64])?;
    }
    Ok(())
}

const SNAPSHOT_COLS: &str =
    "id, started_at, finished_at, status, strategy, full_scan, api_calls, duration_ms, error, rows_changed, kind, imported_from";

fn info(r: &rusqlite::Row<'_>) -> rusqlite::Result<SnapshotInfo> {
    Ok(SnapshotInfo {
        id: r.get(0)?,
        started_at: r.get(1)?,
        finished_at: r.get(2)?,
        status: {
            let v: String = r.get(3)?;
            SnapshotStatus::parse(&v)
                .ok_or_else(|| super::unknown_value(3, "snapshot status", &v))?
        },
        strategy: r.get(4)?,
        full_scan: r.get(5)?,
        api_calls: r.get::<_, i64>(6)? as u64,
        duration_ms: r.get::<_, i64>(7)? as u64,
        error: r.get(8)?,
        rows_changed: r.get::<_, i64>(9)? as u64,
        kind: {
            let v: String = r.get(10)?;
            SnapshotKind::parse(&v).ok_or_else(|| super::unknown_value(10, "snapshot kind", &v))?
        },
        imported_from: r
            .get::<_, Option<String>>(11)?
            .map(|t| serde_json::from_str(&t))
            .transpose()
            .map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    11,
                    rusqlite::types::Type::Text,
                    Box::new(e),
                )
            })?,
    })
}

pub fn snapshot(conn: &Connection, id: i64) -> Result<Option<SnapshotInfo>> {
    Ok(conn
        .query_row(
            &format!("SELECT {SNAPSHOT_COLS} FROM snapshots WHERE id = ?1"),
            [id],
            info,
        )
        .optional()?)
}

pub fn list(conn: &Connection) -> Result<Vec<SnapshotInfo>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {SNAPSHOT_COLS} FROM snapshots ORDER BY id"
    ))?;
    let rows = stmt.query_map([], info)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn calls(conn: &Connection, id: i64) -> Result<BTreeMap<String, u64>> {
    let mut stmt =
        conn.prepare("SELECT operation, calls FROM snapshot_calls WHERE snapshot_id = ?1")?;
    let rows = stmt.query_map([id], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
    })?;
    Ok(rows.collect::<rusqlite::Result<BTreeMap<_, _>>>()?)
}

/// The newest complete snapshot Hallpass read from AWS itself (a sync or a refresh). An
/// imported snapshot never is: it is someone else's file, for reading only, and nothing
/// that plans, resolves names for, checks or changes anything in AWS, nor the sync's
/// timing, may rest on it.
pub fn latest_complete(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn.query_row(
        "SELECT MAX(id) FROM snapshots WHERE status = 'complete' AND kind <> 'imported'",
        [],
        |r| r.get::<_, Option<i64>>(0),
    )?)
}

/// When the newest full scan Hallpass made itself finished (RFC 3339), if any.
pub fn last_full_scan(conn: &Connection) -> Result<Option<String>> {
    Ok(conn.query_row(
        "SELECT MAX(finished_at) FROM snapshots WHERE status = 'complete' AND kind <> 'imported' AND full_scan = 1",
        [],
        |r| r.get(0),
    )?)
}

/// The snapshot views open by default: the newest Hallpass read itself, or in a folder
/// that holds only imported snapshots, the newest imported one.
pub fn latest_viewable(conn: &Connection) -> Result<Option<i64>> {
    match latest_complete(conn)? {
        Some(id) => Ok(Some(id)),
        None => Ok(conn.query_row(
            "SELECT MAX(id) FROM snapshots WHERE status = 'complete'",
            [],
            |r| r.get::<_, Option<i64>>(0),
        )?),
    }
}

/// Whether snapshot `id` was imported from a shared file.
pub fn is_imported(conn: &Connection, id: i64) -> Result<bool> {
    Ok(conn
        .query_row("SELECT kind FROM snapshots WHERE id = ?1", [id], |r| {
            r.get::<_, String>(0)
        })
        .optional()?
        .is_some_and(|k| k == SnapshotKind::Imported.as_str()))
}

/// Refuses to act on AWS from an imported snapshot (`what` says what was asked).
pub fn refuse_imported(conn: &Connection, id: i64, what: &str) -> Result<()> {
    if is_imported(conn, id)? {
        return Err(Error::InvalidInput(format!(
            "snapshot {id} was imported from a shared file and is for reading only: {what} works from \
             a snapshot Hallpass read itself. Run `hallpass sync`, then try again."
        )));
    }
    Ok(())
}

/// The snapshot a read command should use: the one asked for, or the newest one Hallpass
/// read itself (in a folder that holds only imported snapshots, the newest imported one).
pub fn resolve(conn: &Connection, requested: Option<i64>) -> Result<i64> {
    match requested {
        Some(id) => match snapshot(conn, id)? {
            Some(s) if s.status == SnapshotStatus::Complete => Ok(id),
            Some(_) => Err(Error::InvalidInput(format!(
                "snapshot {id} is a failed sync and holds no data; `hallpass snapshots` lists the complete ones"
            ))),
            None => Err(Error::NotFound(format!(
                "there is no snapshot {id}; `hallpass snapshots` lists them"
            ))),
        },
        None => latest_viewable(conn)?.ok_or_else(|| {
            Error::NotFound("no snapshot yet: run `hallpass sync` first".into())
        }),
    }
}

/// The newest complete snapshot before `id` of the same origin (read by Hallpass, or
/// imported).
pub fn previous_complete(conn: &Connection, id: i64) -> Result<Option<i64>> {
    Ok(conn.query_row(
        "SELECT MAX(id) FROM snapshots WHERE status = 'complete' AND id < ?1
            AND (kind = 'imported') = (SELECT kind = 'imported' FROM snapshots WHERE id = ?1)",
        [id],
        |r| r.get::<_, Option<i64>>(0),
    )?)
}

/// The newest complete snapshot finished at or before `when` (a date `YYYY-MM-DD`, meaning
/// the start of that day in UTC, or an RFC 3339 time).
pub fn at_or_before(conn: &Connection, when: &str) -> Result<Option<i64>> {
    let w = when.trim();
    let t = if w.len() == 10 {
        format!("{w}T00:00:00Z")
    } else {
        w.to_owned()
    };
    crate::clock::parse_rfc3339(&t).ok_or_else(|| {
        Error::InvalidInput(format!(
            "{when:?} is not a date: use YYYY-MM-DD (e.g. 2026-11-01) or a time like 2026-11-01T09:30:00Z"
        ))
    })?;
    Ok(conn.query_row(
        "SELECT MAX(id) FROM snapshots WHERE status = 'complete' AND kind <> 'imported' AND finished_at <= ?1",
        [t],
        |r| r.get::<_, Option<i64>>(0),
    )?)
}
