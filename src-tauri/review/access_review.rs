//! Access reviews: for one snapshot, a packet per account or per permission set listing
//! every principal with access and how; the reviewer marks keep or revoke with a note;
//! decisions are stored, exported (CSV, JSON, printable HTML) and imported back, and the
//! revoke decisions become a revocation plan.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::clock::now_rfc3339;
use crate::error::{Error, Result};
use crate::model::{AccessRow, PrincipalType};
use crate::provision::plan::{self, AssignmentRequest, Plan, Request};
use crate::store::queries::{self, AccessQuery};
use crate::store::snapshots;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    Account,
    PermissionSet,
}

impl Scope {
    fn as_str(self) -> &'static str {
        match self {
            Scope::Account => "account",
            Scope::PermissionSet => "permission-set",
        }
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

/// Starts a review of `target` (account id or name / permission set name or ARN) as of a snapshot.
pub fn start(
    conn: &mut Connection,
    snap: Option<i64>,
    scope: Scope,
    target: &str,
    reviewer: &str,
) -> Result<Review> {
    let id = snapshots::resolve(conn, snap)?;
    let (scope_id, scope_name) = match scope {
        Scope::Account => {
            let accounts = queries::accounts(conn, id)?;
            let a = crate::provision::resolve::account_in(&accounts, target, id)?;
            (a.id.clone(), a.name.clone())
        }
        Scope::PermissionSet => {
            let found: Vec<_> = queries::permission_sets(conn, id)?
                .into_iter()
                .filter(|p| p.name == target || p.arn == target)
                .collect();
            match found.as_slice() {
                [one] => (one.arn.clone(), one.name.clone()),
                [] => {
                    return Err(Error::InvalidInput(format!(
                        "unknown permission set {target:?} in snapshot {id}"
                    )))
                }
                _ => {
                    return Err(Error::InvalidInput(format!(
                        "{target:?} names permission sets in several instances; give its ARN"
                    )))
                }
            }
        }
    };
    let rows = packet(conn, id, scope, &scope_id)?;
    let now = now_rfc3339();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT INTO reviews(snapshot_id, scope, scope_id, scope_name, created_at, reviewer) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
        rusqlite::params![id, scope.as_str(), scope_id, scope_name, now, reviewer],
    )?;
    let review = tx.last_insert_rowid();
    for (i, r) in rows.iter().enumerate() {
        tx.execute(
            "INSERT INTO review_items(review_id, item, instance_arn, account_id, account_name, permission_set,
                 principal_type, principal_name, via_group, principal_id, permission_set_arn, via_group_id)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            rusqlite::params![
                review,
                i as i64 + 1,
                r.instance_arn,
                r.account_id,
                r.account_name,
                r.permission_set,
                r.principal_type.as_str(),
                r.principal_name,
                r.via_group,
                r.principal_id,
                r.permission_set_arn,
                r.via_group_id
            ],
        )?;
    }
    tx.commit()?;
    get(conn, review)
}

/// Everyone with access in a review's scope as snapshot `snap` has it, in packet order.
fn packet(conn: &Connection, snap: i64, scope: Scope, scope_id: &str) -> Result<Vec<AccessRow>> {
    let query = match scope {
        Scope::Account => AccessQuery::Account(scope_id.to_owned()),
        Scope::PermissionSet => AccessQuery::PermissionSet(scope_id.to_owned()),
    };
    let mut rows = queries::access(conn, snap, &query)?;
    rows.sort();
    Ok(rows)
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
                    scope: match scope.as_str() {
                        "account" => Scope::Account,
                        "permission-set" => Scope::PermissionSet,
                        other => return Err(crate::store::unknown_value(2, "review scope", other)),
                    },
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
            principal_type: crate::store::principal_type_at(r, 5)?,
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

/// Records a decision (`keep` or `revoke`) with an optional note. The review is complete
/// when every item is decided.
pub fn decide(
    conn: &mut Connection,
    id: i64,
    item: u32,
    decision: &str,
    note: Option<&str>,
) -> Result<Review> {
    if decision != "keep" && decision != "revoke" {
        return Err(Error::InvalidInput(format!(
            "{decision:?} is not a decision: use keep or revoke"
        )));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let n = tx.execute(
        "UPDATE review_items SET decision = ?3, note = ?4, decided_at = ?5 WHERE review_id = ?1 AND item = ?2",
        rusqlite::params![id, item, decision, note.map(str::trim).filter(|n| !n.is_empty()), now_rfc3339()],
    )?;
    if n == 0 {
        return Err(Error::InvalidInput(format!(
            "review {id} has no item {item}"
        )));
    }
    tx.execute(
        "UPDATE reviews SET completed_at = CASE WHEN NOT EXISTS
             (SELECT 1 FROM review_items WHERE review_id = ?1 AND decision IS NULL) THEN ?2 ELSE NULL END WHERE id = ?1",
        rusqlite::params![id, now_rfc3339()],
    )?;
    tx.commit()?;
    get(conn, id)
}

/// Imports a review exported as JSON: the packet as it was, with its decisions.
pub fn import(conn: &mut Connection, text: &str) -> Result<Review> {
    // The same bound from the command line and the window.
    const MAX: usize = 64 * 1024 * 1024;
    if text.len() > MAX {
        return Err(Error::InvalidInput(format!(
            "the review file is {} MB; Hallpass reads review files up to {} MB",
            text.len() / (1024 * 1024),
            MAX / (1024 * 1024)
        )));
    }
    let r: Review = serde_json::from_str(text).map_err(|e| {
        Error::InvalidInput(format!("not a review exported as JSON by Hallpass (`hallpass review export --format json`): {e}"))
    })?;
    if snapshots::snapshot(conn, r.snapshot_id)?.is_none() {
        return Err(Error::InvalidInput(format!(
            "the review is of snapshot {}, which this data folder does not have; import that snapshot first",
            r.snapshot_id
        )));
    }
    let mut r = r;
    vouch(conn, &mut r)?;
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
    get(conn, id)
}

/// An imported review is trusted only as far as this data folder's own snapshot backs it:
/// every item must be access that snapshot shows in the review's scope (with the same ids
/// where the file has them), so an edited file cannot point a revocation elsewhere. Items
/// of files written before Hallpass kept ids get theirs from the snapshot when the names
/// fit exactly one row.
fn vouch(conn: &Connection, r: &mut Review) -> Result<()> {
    let rows = packet(conn, r.snapshot_id, r.scope, &r.scope_id)?;
    for i in &mut r.items {
        let same = |x: &&AccessRow| {
            x.account_id == i.account_id
                && x.instance_arn == i.instance_arn
                && x.permission_set == i.permission_set
                && x.principal_type == i.principal_type
                && x.principal_name == i.principal_name
                && x.via_group == i.via_group
                && i.principal_id.as_ref().is_none_or(|p| *p == x.principal_id)
                && i.permission_set_arn
                    .as_ref()
                    .is_none_or(|p| *p == x.permission_set_arn)
                && (i.via_group_id.is_none() || i.via_group_id == x.via_group_id)
        };
        let found: Vec<&AccessRow> = rows.iter().filter(same).collect();
        match found.as_slice() {
            [] => {
                return Err(Error::InvalidInput(format!(
                    "item {} of the review file ({} {} with {} on {}) is not access that snapshot {} shows in {}: \
                     the file was changed, or it comes from another data folder. Nothing was imported.",
                    i.item,
                    i.principal_type.as_str().to_lowercase(),
                    i.principal_name,
                    i.permission_set,
                    i.account_id,
                    r.snapshot_id,
                    r.scope_name
                )))
            }
            [one] => {
                i.principal_id = Some(one.principal_id.clone());
                i.permission_set_arn = Some(one.permission_set_arn.clone());
                i.via_group_id = one.via_group_id.clone();
            }
            _ => {}
        }
    }
    Ok(())
}

/// The revocation plan for the revoke decisions: a direct assignment is revoked; access
/// through a group is removed by taking the user out of that group. It acts on the ids
/// the review recorded (resolved against the newest snapshot, so something deleted since
/// is refused), and like every plan it is checked live before it is applied.
pub fn revocation_plan(conn: &Connection, r: &Review) -> Result<Plan> {
    snapshots::refuse_imported(conn, r.snapshot_id, "revoking what a review decided")?;
    let mut requests = Vec::new();
    let mut warnings = Vec::new();
    for i in r
        .items
        .iter()
        .filter(|i| i.decision.as_deref() == Some("revoke"))
    {
        let unknown = || {
            Error::InvalidInput(format!(
                "review {} item {} ({} {} on {}) was recorded without ids, and its names fitted several \
                 items in snapshot {}: start a new review of {} to revoke it",
                r.id,
                i.item,
                i.principal_type.as_str().to_lowercase(),
                i.principal_name,
                i.account_id,
                r.snapshot_id,
                r.scope_name
            ))
        };
        let principal = i.principal_id.clone().ok_or_else(unknown)?;
        requests.push(match &i.via_group {
            Some(_) => Request::RemoveMember {
                group: i.via_group_id.clone().ok_or_else(unknown)?,
                user: principal,
                instance: Some(i.instance_arn.clone()),
            },
            None => Request::Revoke {
                assignment: AssignmentRequest {
                    principal_type: i.principal_type,
                    principal,
                    permission_sets: vec![i.permission_set_arn.clone().ok_or_else(unknown)?],
                    accounts: vec![i.account_id.clone()],
                    ous: vec![],
                    instance: Some(i.instance_arn.clone()),
                },
            },
        });
        if let Some(group) = &i.via_group {
            warnings.push(format!(
                "{} loses every access that comes through group {group}, not only {}",
                i.principal_name,
                i.account_name.as_deref().unwrap_or(&i.account_id)
            ));
        }
    }
    let mut out = plan::plan_all(conn, &requests)?;
    out.warnings.extend(warnings);
    Ok(out)
}
