//! Access reviews (tables `reviews`, `review_items`): a packet of who has access, as of
//! one snapshot, with the reviewer's decisions. Starting, deciding, importing and turning
//! decisions into revocations is `review::access_review`.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::clock::now_rfc3339;
use crate::error::{Error, Result};
use crate::model::PrincipalType;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    Account,
    PermissionSet,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Account => "account",
            Scope::PermissionSet => "permission-set",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [Scope::Account, Scope::PermissionSet]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReviewItem {
    pub item: u32,
    pub instance_arn: String,
    pub account_id: String,
    pub account_name: Option<String>,
    pub permission_set: String,
    pub principal_type: PrincipalType,
    pub principal_name: String,
    /// Access through this group; `None` for a direct assignment.
    pub via_group: Option<String>,
    /// `keep` or `revoke`; `None` while undecided.
    pub decision: Option<String>,
    pub note: Option<String>,
    pub decided_at: Option<String>,
    /// The ids behind the names: what a revocation acts on. `None` only for an item of a
    /// review started before Hallpass kept them whose name was ambiguous in its snapshot.
    #[serde(default)]
    pub principal_id: Option<String>,
    #[serde(default)]
    pub permission_set_arn: Option<String>,
    #[serde(default)]
    pub via_group_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Review {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub snapshot_id: i64,
    pub scope: Scope,
    pub scope_id: String,
    pub scope_name: String,
    pub created_at: String,
    pub reviewer: String,
    pub completed_at: Option<String>,
    pub items: Vec<ReviewItem>,
}

/// Writes a review with its items (their decisions included) in one transaction; returns
/// its id (the review's own `id` is not used).
pub fn insert(conn: &mut Connection, r: &Review) -> Result<i64> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT INTO reviews(snapshot_id, scope, scope_id, scope_name, created_at, reviewer, completed_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
        rusqlite::params![r.snapshot_id, r.scope.as_str(), r.scope_id, r.scope_name, r.created_at, r.reviewer, r.completed_at],
    )?;
    let id = tx.last_insert_rowid();
    for i in &r.items {
        tx.execute(
            "INSERT INTO review_items(review_id, item, instance_arn, account_id, account_name, permission_set, principal_type,
                 principal_name, via_group, decision, note, decided_at, principal_id, permission_set_arn, via_group_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            rusqlite::params![
                id,
                i.item,
                i.instance_arn,
                i.account_id,
                i.account_name,
                i.permission_set,
                i.principal_type.as_str(),
                i.principal_name,
                i.via_group,
                i.decision,
                i.note,
                i.decided_at,
                i.principal_id,
                i.permission_set_arn,
                i.via_group_id
            ],
        )?;
    }
    tx.commit()?;
    Ok(id)
}

pub fn get(conn: &Connection, id: i64) -> Result<Review> {
    let mut r = conn
        .query_row(
            "SELECT id, snapshot_id, scope, scope_id, scope_name, created_at, reviewer, completed_at FROM reviews WHERE id = ?1",
            [id],
            |r| {
                let scope: String = r.get(2)?;
                Ok(Review {
                    id: r.get(0)?,
                    snapshot_id: r.get(1)?,
                    scope: Scope::parse(&scope)
                        .ok_or_else(|| super::unknown_value(2, "review scope", &scope))?,
                    scope_id: r.get(3)?,
                    scope_name: r.get(4)?,
                    created_at: r.get(5)?,
                    reviewer: r.get(6)?,
                    completed_at: r.get(7)?,
                    items: vec![],
                })
            },
        )
        .optional()?
        .ok_or_else(|| Error::NotFound(format!("there is no review {id}; `hallpass review list` shows them")))?;
    let mut stmt = conn.prepare(
        "SELECT item, instance_arn, account_id, account_name, permission_set, principal_type, principal_name, via_group,
                decision, note, decided_at, principal_id, permission_set_arn, via_group_id
           FROM review_items WHERE review_id = ?1 ORDER BY item",
    )?;
    let rows = stmt.query_map([id], |r| {
        Ok(ReviewItem {
            item: r.get(0)?,
            instance_arn: r.get(1)?,
            account_id: r.get(2)?,
            account_name: r.get(3)?,
            permission_set: r.get(4)?,
            principal_type: super::principal_type_at(r, 5)?,
            principal_name: r.get(6)?,
            via_group: r.get(7)?,
            decision: r.get(8)?,
            note: r.get(9)?,
            decided_at: r.get(10)?,
            principal_id: r.get(11)?,
            permission_set_arn: r.get(12)?,
            via_group_id: r.get(13)?,
        })
    })?;
    r.items = rows.collect::<rusqlite::Result<_>>()?;
    Ok(r)
}

pub fn list(conn: &Connection) -> Result<Vec<Review>> {
    let ids: Vec<i64> = {
        let mut stmt = conn.prepare("SELECT id FROM reviews ORDER BY id DESC")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    ids.into_iter().map(|id| get(conn, id)).collect()
}

/// Records a decision and whether the review is now complete (every item decided).
/// Returns false when the review has no such item.
pub fn set_decision(
    conn: &mut Connection,
    id: i64,
    item: u32,
    decision: &str,
    note: Option<&str>,
) -> Result<bool> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let n = tx.execute(
        "UPDATE review_items SET decision = ?3, note = ?4, decided_at = ?5 WHERE review_id = ?1 AND item = ?2",
        rusqlite::params![id, item, decision, note.map(str::trim).filter(|n| !n.is_empty()), now_rfc3339()],
    )?;
    if n == 0 {
        return Ok(false);
    }
    tx.execute(
        "UPDATE reviews SET completed_at = CASE WHEN NOT EXISTS
             (SELECT 1 FROM review_items WHERE review_id = ?1 AND decision IS NULL) THEN ?2 ELSE NULL END WHERE id = ?1",
        rusqlite::params![id, now_rfc3339()],
    )?;
    tx.commit()?;
    Ok(true)
}
