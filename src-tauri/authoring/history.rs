//! A permission set's history: every version the snapshots kept, and what each changed
//! from the one before (item 5 of issue 18; restoring one goes through the same
//! plan/apply as an edit).

use rusqlite::Connection;
use serde::Serialize;
use ts_rs::TS;

use super::definition::Definition;
use super::diff::{diff, DefinitionDiff};
use crate::error::{Error, Result};
use crate::model::PermissionSet;
use crate::store::{snapshots, versions_where, RowVersion};

/// One version: the snapshot that first saw it, when, and what it changed.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Version {
    #[ts(type = "number")]
    pub snapshot_id: i64,
    /// When that snapshot finished (RFC 3339).
    pub seen_at: Option<String>,
    /// The snapshot that no longer saw it (none: it is the current one).
    #[ts(type = "number | null")]
    pub until_snapshot: Option<i64>,
    pub definition: Definition,
    /// From the version before (the first version: everything, as created).
    pub changes: DefinitionDiff,
}

/// Every version of the permission set named `name` (or by ARN), oldest first.
pub fn history(conn: &Connection, name: &str) -> Result<Vec<Version>> {
    let rows: Vec<RowVersion<PermissionSet>> =
        versions_where(conn, "name = ?1 OR arn = ?1", &[&name])?;
    if rows.is_empty() {
        return Err(Error::InvalidInput(format!(
            "no snapshot holds a permission set {name:?}; `hallpass show permission-sets` lists them"
        )));
    }
    let arns: std::collections::BTreeSet<&str> = rows.iter().map(|r| r.item.arn.as_str()).collect();
    if arns.len() > 1 {
        return Err(Error::InvalidInput(format!(
            "{name:?} has named {} permission sets over time (deleted and created again, or in several \
             instances); give the ARN of the one you mean: {}",
            arns.len(),
            arns.into_iter().collect::<Vec<_>>().join(", ")
        )));
    }
    let mut out: Vec<Version> = Vec::new();
    for row in rows {
        let definition = Definition::of(&row.item);
        let changes = diff(out.last().map(|v| &v.definition), &definition);
        out.push(Version {
            snapshot_id: row.valid_from,
            seen_at: snapshots::snapshot(conn, row.valid_from)?.map(|s| s.finished_at),
            until_snapshot: row.valid_to,
            definition,
            changes,
        });
    }
    Ok(out)
}

/// The definition `name` had in snapshot `snapshot` (to restore it).
pub fn version(conn: &Connection, name: &str, snapshot: i64) -> Result<Definition> {
    let versions = history(conn, name)?;
    versions
        .iter()
        .find(|v| v.snapshot_id <= snapshot && v.until_snapshot.is_none_or(|u| snapshot < u))
        .map(|v| v.definition.clone())
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "snapshot {snapshot} holds no version of permission set {name:?}; its versions start in snapshots {} \
                 (`hallpass permission-set history {name}`)",
                versions
                    .iter()
                    .map(|v| v.snapshot_id.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
        })
}
