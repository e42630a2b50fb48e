//! The fix for `permission-set-out-of-sync`: reprovision a permission set to every
//! account it is provisioned to, wait until AWS reports it done, audit it, and refresh
//! the snapshot's provisioning rows.

use rusqlite::Connection;
use std::collections::HashMap;

use serde::Serialize;
use ts_rs::TS;

use crate::aws::changes::Status;
use crate::aws::Session;
use crate::error::{Error, Result};
use crate::provision::{live_check, refresh};
use crate::store::audit;
use crate::store::{queries, snapshots};

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Reprovisioned {
    pub permission_set: String,
    pub request_id: String,
    /// Accounts that were outdated before.
    pub accounts: Vec<String>,
    #[ts(type = "number")]
    pub snapshot_id: i64,
}

/// What reprovisioning a permission set touches, shown before it is confirmed.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ReprovisionPreview {
    pub permission_set: String,
    pub permission_set_arn: String,
    /// Every account it is provisioned to: AWS reprovisions all of them.
    pub accounts: Vec<String>,
    /// The ones that are outdated now.
    pub outdated: Vec<String>,
}

/// The permission set named `name` (or by ARN) in the newest snapshot, and its accounts.
pub fn preview(conn: &rusqlite::Connection, name: &str) -> Result<ReprovisionPreview> {
    Ok(target(conn, name)?.1)
}

fn target(
    conn: &rusqlite::Connection,
    name: &str,
) -> Result<(crate::model::PermissionSet, ReprovisionPreview)> {
    let snap = snapshots::latest_complete(conn)?.ok_or_else(|| {
        Error::NotFound("there is no snapshot yet: run `hallpass sync` first".into())
    })?;
    let sets = queries::permission_sets(conn, snap)?;
    let matching: Vec<_> = sets
        .iter()
        .filter(|p| p.name == name || p.arn == name)
        .collect();
    let ps = match matching.as_slice() {
        [one] => *one,
        [] => {
            return Err(Error::InvalidInput(format!(
                "unknown permission set {name:?} in snapshot {snap}; `hallpass show permission-sets` lists them"
            )))
        }
        _ => {
            return Err(Error::InvalidInput(format!(
                "{name:?} names permission sets in several instances; give its ARN instead"
            )))
        }
    };
    let (mut accounts, mut outdated) = (Vec::new(), Vec::new());
    for p in queries::provisioned(conn, snap)?
        .into_iter()
        .filter(|p| p.permission_set_arn == ps.arn)
    {
        if p.outdated {
            outdated.push(p.account_id.clone());
        }
        accounts.push(p.account_id);
    }
    let preview = ReprovisionPreview {
        permission_set: ps.name.clone(),
        permission_set_arn: ps.arn.clone(),
        accounts,
        outdated,
    };
    Ok((ps.clone(), preview))
}

/// Reprovisions the permission set named `name` (or by ARN) from the newest snapshot.
pub async fn reprovision(
    conn: &mut Connection,
    session: &Session,
    name: &str,
    actor: &str,
) -> Result<Reprovisioned> {
    crate::provision::require_full(session.access)?;
    let (ps, preview) = target(conn, name)?;
    let outdated = preview.outdated;
    let access = live_check::instance_access(conn)?;
    let from = access.get(&ps.instance_arn).cloned().unwrap_or_default();
    let c = live_check::clients_for(session, &mut HashMap::new(), &from).await?;
    let target = format!("reprovision {} to all provisioned accounts", ps.name);
    let about = audit::Subject {
        permission_set_arn: Some(&ps.arn),
        permission_set_name: Some(&ps.name),
        ..Default::default()
    };
    let (request_id, status) = crate::provision::provisioning::provision_and_wait(
        &c,
        &session.gate,
        &ps.instance_arn,
        &ps.arn,
        &ps.name,
        None,
        &crate::provision::provisioning::Audited {
            conn,
            actor,
            action: "reprovision",
            target: &target,
            about: &about,
        },
    )
    .await?;
    if let Status::Failed(reason) = &status {
        let fix = match crate::aws::denied_action(reason).filter(|a| a.starts_with("iam:")) {
            Some(action) => format!(
                " The management role lacks {action}: in the management account IAM Identity Center updates its \
                 AWSReservedSSO_* roles with the role's own IAM permissions. Add the iam: statements of the \
                 permissions policy `hallpass policies` prints, then reprovision again."
            ),
            None => String::new(),
        };
        return Err(Error::InvalidInput(format!(
            "AWS could not reprovision {}: {reason}.{fix}",
            ps.name
        )));
    }
    let mut touched = refresh::Touched::default();
    touched
        .sets
        .insert((ps.instance_arn.clone(), ps.arn.clone()));
    let clients = HashMap::from([(ps.instance_arn.clone(), c)]);
    let snapshot_id = refresh::run(conn, session, &clients, &touched).await?;
    Ok(Reprovisioned {
        permission_set: ps.name.clone(),
        request_id,
        accounts: outdated,
        snapshot_id,
    })
}
