//! The operations of an assignment request (one principal × permission sets × accounts
//! or OUs) and of "revoke orphans", with the snapshot's no-ops marked.

use std::collections::{BTreeSet, HashSet};

use rusqlite::Connection;

use super::op::{AssignmentSpec, OpKind, OpSpec};
use super::request::{noop_for, pick_instance, AssignmentRequest, PlanItem};
use super::resolve::Snapshot;
use crate::error::{Error, Result};
use crate::model::PrincipalType;
use crate::store::queries;

/// The no-op of an orphan AWS already refused to revoke (kept by the live check: AWS
/// still lists the assignment, and would refuse again).
pub(super) const REFUSED: &str =
    "AWS refused before: the principal no longer exists, and AWS keeps the assignment";

/// Assignments whose principal is in no identity store of the snapshot.
pub(super) fn orphan_items(conn: &Connection, snap: &Snapshot) -> Result<Vec<PlanItem>> {
    let known: HashSet<&str> = snap
        .users
        .iter()
        .map(|u| u.user_id.as_str())
        .chain(snap.groups.iter().map(|g| g.group_id.as_str()))
        .collect();
    let refused = crate::store::operations::unremovable(conn)?;
    let mut items = Vec::new();
    for a in queries::assignments(conn, snap.id)? {
        if known.contains(a.principal_id.as_str()) {
            continue;
        }
        let key = (
            a.instance_arn.clone(),
            a.account_id.clone(),
            a.permission_set_arn.clone(),
            a.principal_id.clone(),
        );
        // AWS already refused it: its principal is gone from the directory, and AWS keeps
        // such assignments. Shown, not sent again.
        let noop = refused.contains(&key).then(|| REFUSED.to_owned());
        let Some(inst) = snap
            .instances
            .iter()
            .find(|i| i.instance_arn == a.instance_arn)
        else {
            continue;
        };
        let s = AssignmentSpec {
            account_name: snap
                .accounts
                .iter()
                .find(|x| x.id == a.account_id)
                .map(|x| x.name.clone()),
            permission_set_name: snap
                .permission_sets
                .iter()
                .find(|p| p.arn == a.permission_set_arn)
                .map(|p| p.name.clone()),
            account_id: a.account_id,
            permission_set_arn: a.permission_set_arn,
            principal_type: a.principal_type,
            principal_name: Some(format!("(deleted) {}", a.principal_id)),
            principal_id: a.principal_id,
        };
        items.push(PlanItem {
            spec: OpSpec::on_assignment(OpKind::Revoke, &inst.instance_arn, s),
            noop,
        });
    }
    Ok(items)
}

pub(super) fn assignment_items(
    conn: &Connection,
    snap: &Snapshot,
    a: &AssignmentRequest,
    kind: OpKind,
    warnings: &mut Vec<String>,
) -> Result<Vec<PlanItem>> {
    if a.permission_sets.is_empty() {
        return Err(Error::InvalidInput(
            "name at least one permission set (--permission-set NAME)".into(),
        ));
    }
    if a.accounts.is_empty() && a.ous.is_empty() {
        return Err(Error::InvalidInput(
            "choose accounts: --account ID|NAME or --ou OU (repeatable)".into(),
        ));
    }
    let principal_in = |store: &str| match a.principal_type {
        PrincipalType::Group => snap
            .group(store, &a.principal)
            .map(|g| (g.group_id.clone(), g.display_name.clone())),
        PrincipalType::User => snap
            .user(store, &a.principal)
            .map(|u| (u.user_id.clone(), u.user_name.clone())),
    };
    let inst = pick_instance(snap, a.instance.as_deref(), |i| {
        principal_in(&i.identity_store_id).is_ok()
            && a.permission_sets
                .iter()
                .all(|p| snap.permission_set(&i.instance_arn, p).is_ok())
    })?;
    let (pid, pname) = principal_in(&inst.identity_store_id)?;
    let sets = a
        .permission_sets
        .iter()
        .map(|p| snap.permission_set(&inst.instance_arn, p))
        .collect::<Result<Vec<_>>>()?;
    let mut accounts = Vec::new();
    for id in &a.accounts {
        accounts.push(snap.account(id)?);
    }
    for ou in &a.ous {
        let within = snap.ou_accounts(ou)?;
        if within.is_empty() {
            warnings.push(format!("OU {ou:?} has no accounts"));
        }
        accounts.extend(within);
    }
    let mut seen = HashSet::new();
    accounts.retain(|acc| seen.insert(acc.id.clone()));
    // Access can be given only in ACTIVE accounts; revocations go everywhere (an
    // assignment left in a closing account must still be removable).
    let inactive: Vec<String> = accounts
        .iter()
        .filter(|acc| !acc.is_active())
        .map(|acc| format!("{} ({})", acc.name, acc.state()))
        .collect();
    if !inactive.is_empty() && kind == OpKind::Grant {
        if inactive.len() == accounts.len() && a.ous.is_empty() {
            return Err(Error::InvalidInput(format!(
                "nothing to grant: {} not ACTIVE in Organizations, and access can only be given in ACTIVE accounts. \
                 Reinstate the account first, or choose another.",
                inactive.join(", ")
            )));
        }
        warnings.push(format!(
            "skipping accounts that are not ACTIVE (access can only be given in ACTIVE accounts): {}",
            inactive.join(", ")
        ));
        accounts.retain(|acc| acc.is_active());
    }
    let existing: BTreeSet<(String, String)> = queries::assignments(conn, snap.id)?
        .into_iter()
        .filter(|x| {
            x.instance_arn == inst.instance_arn
                && x.principal_type == a.principal_type
                && x.principal_id == pid
        })
        .map(|x| (x.account_id, x.permission_set_arn))
        .collect();
    let mut items = Vec::new();
    for acc in &accounts {
        for ps in &sets {
            let s = AssignmentSpec {
                account_id: acc.id.clone(),
                account_name: Some(acc.name.clone()),
                permission_set_arn: ps.arn.clone(),
                permission_set_name: Some(ps.name.clone()),
                principal_type: a.principal_type,
                principal_id: pid.clone(),
                principal_name: Some(pname.clone()),
            };
            let has = existing.contains(&(acc.id.clone(), ps.arn.clone()));
            items.push(PlanItem {
                noop: noop_for(kind, has),
                spec: OpSpec::on_assignment(kind, &inst.instance_arn, s),
            });
        }
    }
    Ok(items)
}
