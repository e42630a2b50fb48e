//! Session blocks (table `session_blocks`) and the inline policies they were written into
//! (table `session_block_policies`). The rules are in `provision::sessions`.

use rusqlite::{Connection, OptionalExtension};

use crate::clock::now_rfc3339;
use crate::error::Result;
use crate::model::session_block::{BlockSpec, BlockState, SessionBlock};

const COLS: &str = "id, batch_id, instance_arn, permission_set_arn, permission_set_name, account_id, account_name, \
     user_id, user_name, session_duration, state, created_at, applied_at, until, removed_at, error";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<SessionBlock> {
    Ok(SessionBlock {
        id: r.get(0)?,
        batch_id: r.get(1)?,
        spec: BlockSpec {
            instance_arn: r.get(2)?,
            permission_set_arn: r.get(3)?,
            permission_set_name: r.get(4)?,
            account_id: r.get(5)?,
            account_name: r.get(6)?,
            user_id: r.get(7)?,
            user_name: r.get(8)?,
            session_duration: r.get(9)?,
        },
        state: {
            let v: String = r.get(10)?;
            BlockState::parse(&v).ok_or_else(|| super::unknown_value(10, "block state", &v))?
        },
        created_at: r.get(11)?,
        applied_at: r.get(12)?,
        until: r.get(13)?,
        removed_at: r.get(14)?,
        error: r.get(15)?,
    })
}

/// Records a block asked for with batch `batch` (inside the caller's transaction).
pub fn insert(conn: &Connection, batch: i64, b: &BlockSpec) -> Result<i64> {
    conn.execute(
        "INSERT INTO session_blocks(batch_id, instance_arn, permission_set_arn, permission_set_name, account_id,
             account_name, user_id, user_name, session_duration, state, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'pending', ?10)",
        rusqlite::params![
            batch,
            b.instance_arn,
            b.permission_set_arn,
            b.permission_set_name,
            b.account_id,
            b.account_name,
            b.user_id,
            b.user_name,
            b.session_duration,
            now_rfc3339()
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// Every block, newest first; only those not yet removed when `open_only`.
pub fn list(conn: &Connection, open_only: bool) -> Result<Vec<SessionBlock>> {
    let filter = if open_only {
        "WHERE state != 'removed'"
    } else {
        ""
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLS} FROM session_blocks {filter} ORDER BY id DESC"
    ))?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether a run has block work now: a block never tried yet, or one whose time is over.
pub fn work_due(conn: &Connection, now: &str) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS(SELECT 1 FROM session_blocks WHERE (state = 'pending' AND error IS NULL)
             OR (state = 'active' AND until IS NOT NULL AND until <= ?1))",
        [now],
        |r| r.get(0),
    )?)
}

pub fn set_active(conn: &Connection, id: i64) -> Result<()> {
    conn.execute(
        "UPDATE session_blocks SET state = 'active', applied_at = ?2, error = NULL WHERE id = ?1",
        rusqlite::params![id, now_rfc3339()],
    )?;
    Ok(())
}

pub fn set_until(conn: &Connection, id: i64, until: &str) -> Result<()> {
    conn.execute(
        "UPDATE session_blocks SET until = ?2 WHERE id = ?1",
        rusqlite::params![id, until],
    )?;
    Ok(())
}

pub fn set_removed(conn: &Connection, id: i64) -> Result<()> {
    conn.execute(
        "UPDATE session_blocks SET state = 'removed', removed_at = ?2, error = NULL WHERE id = ?1",
        rusqlite::params![id, now_rfc3339()],
    )?;
    Ok(())
}

pub fn set_error(conn: &Connection, id: i64, error: &str) -> Result<()> {
    conn.execute(
        "UPDATE session_blocks SET error = ?2 WHERE id = ?1",
        rusqlite::params![id, error],
    )?;
    Ok(())
}

/// A permission set's inline policy before Hallpass's first block, and as Hallpass last
/// wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRecord {
    pub original: Option<String>,
    pub written: Option<String>,
}

pub fn policy(conn: &Connection, instance: &str, ps: &str) -> Result<Option<PolicyRecord>> {
    Ok(conn
        .query_row(
            "SELECT original, written FROM session_block_policies WHERE instance_arn = ?1 AND permission_set_arn = ?2",
            [instance, ps],
            |r| {
                Ok(PolicyRecord {
                    original: r.get(0)?,
                    written: r.get(1)?,
                })
            },
        )
        .optional()?)
}

pub fn set_policy(conn: &Connection, instance: &str, ps: &str, p: &PolicyRecord) -> Result<()> {
    conn.execute(
        "INSERT INTO session_block_policies(instance_arn, permission_set_arn, original, written)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(instance_arn, permission_set_arn) DO UPDATE SET written = excluded.written",
        rusqlite::params![instance, ps, p.original, p.written],
    )?;
    Ok(())
}

pub fn forget_policy(conn: &Connection, instance: &str, ps: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM session_block_policies WHERE instance_arn = ?1 AND permission_set_arn = ?2",
        [instance, ps],
    )?;
    Ok(())
}
