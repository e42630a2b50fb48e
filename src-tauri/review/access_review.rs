//! Access reviews: for one snapshot, a packet per account or per permission set listing
//! every principal with access and how; the reviewer marks keep or revoke with a note;
//! decisions are stored, exported (CSV, JSON, printable HTML) and imported back, and the
//! revoke decisions become a revocation plan.

use rusqlite::Connection;

use crate::clock::now_rfc3339;
use crate::error::{Error, Result};
use crate::model::AccessRow;
use crate::provision::plan::{self, AssignmentRequest, Plan, Request};
use crate::store::queries::{self, AccessQuery};
use crate::store::reviews::{self, Review, ReviewItem, Scope};
use crate::store::snapshots;

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
    let review = Review {
        id: 0,
        snapshot_id: id,
        scope,
        scope_id,
        scope_name,
        created_at: now_rfc3339(),
        reviewer: reviewer.to_owned(),
        completed_at: None,
        items: rows
            .into_iter()
            .enumerate()
            .map(|(i, r)| ReviewItem {
                item: i as u32 + 1,
                instance_arn: r.instance_arn,
                account_id: r.account_id,
                account_name: r.account_name,
                permission_set: r.permission_set,
                principal_type: r.principal_type,
                principal_name: r.principal_name,
                via_group: r.via_group,
                decision: None,
                note: None,
                decided_at: None,
                principal_id: Some(r.principal_id),
                permission_set_arn: Some(r.permission_set_arn),
                via_group_id: r.via_group_id,
            })
            .collect(),
    };
    let id = reviews::insert(conn, &review)?;
    reviews::get(conn, id)
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
    if !reviews::set_decision(conn, id, item, decision, note)? {
        return Err(Error::InvalidInput(format!(
            "review {id} has no item {item}"
        )));
    }
    reviews::get(conn, id)
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
    let id = reviews::insert(conn, &r)?;
    reviews::get(conn, id)
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
                end_sessions: false,
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
                end_sessions: false,
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
