//! Retention: every snapshot is kept unless a setting says to prune those older than N
//! days. The newest snapshot and every snapshot an access review refers to are always kept.
//! Rows no kept snapshot can see are removed with them.

use rusqlite::{Connection, TransactionBehavior};
use serde::Serialize;
use ts_rs::TS;

use super::{get_setting, set_setting};
use crate::error::{Error, Result};

const SETTING: &str = "retention_days";

/// The versioned tables, whose rows live as long as a kept snapshot sees them.
const TABLES: &[&str] = &[
    "organizations",
    "ous",
    "accounts",
    "delegated_admins",
    "instances",
    "permission_sets",
    "provisioned",
    "dir_users",
    "dir_groups",
    "dir_memberships",
    "assignments",
    "member_access",
];

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Pruned {
    pub days: u32,
    pub snapshots_removed: u32,
    /// Old snapshots kept because an access review refers to them.
    pub kept_for_reviews: u32,
    pub rows_removed: u64,
}

/// Days to keep (0: keep everything, the default).
pub fn days(conn: &Connection) -> Result<u32> {
    Ok(get_setting(conn, SETTING)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(0))
}

pub fn set_days(conn: &Connection, days: u32) -> Result<()> {
    if days > 36_500 {
        return Err(Error::InvalidInput(format!(
            "{days} days is more than a century; use 0 to keep every snapshot"
        )));
    }
    set_setting(conn, SETTING, &days.to_string())
}

/// Removes snapshots older than the setting allows (if it is set).
pub fn prune(conn: &mut Connection) -> Result<Pruned> {
    let days = days(conn)?;
    let mut out = Pruned {
        days,
        snapshots_removed: 0,
        kept_for_reviews: 0,
        rows_removed: 0,
    };
    if days == 0 {
        return Ok(out);
    }
    let cutoff =
        crate::clock::rfc3339(time::OffsetDateTime::now_utc() - time::Duration::days(days as i64));
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let old = "finished_at < ?1 AND id != COALESCE((SELECT MAX(id) FROM snapshots WHERE status = 'complete' AND kind <> 'imported'), -1)";
    out.kept_for_reviews = tx.query_row(
        &format!("SELECT COUNT(*) FROM snapshots WHERE {old} AND id IN (SELECT snapshot_id FROM reviews)"),
        [&cutoff],
        |r| r.get(0),
    )?;
    out.snapshots_removed = tx.execute(
        &format!(
            "DELETE FROM snapshots WHERE {old} AND id NOT IN (SELECT snapshot_id FROM reviews)"
        ),
        [&cutoff],
    )? as u32;
    if out.snapshots_removed > 0 {
        for t in TABLES {
            out.rows_removed += tx.execute(
                &format!(
                    "DELETE FROM {t} WHERE NOT EXISTS (SELECT 1 FROM snapshots s WHERE s.status = 'complete'
                       AND s.id >= {t}.valid_from AND ({t}.valid_to IS NULL OR s.id < {t}.valid_to))"
                ),
                [],
            )? as u64;
        }
    }
    tx.commit()?;
    Ok(out)
}
