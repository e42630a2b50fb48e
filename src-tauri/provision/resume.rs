//! After an interruption: what was sent without an answer recorded is looked up in AWS
//! before anything is sent again.

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;

use super::op::{OpChange, OpKind, OpState, Operation};
use super::send::{change_of, target};
use crate::aws::changes::{self as aws_c, Change};
use crate::aws::{Clients, Session};
use crate::error::{ErrorCode, Result};
use crate::store::operations;

/// Operations sent without an answer recorded (the process died, or the network
/// failed mid-call): AWS is asked what happened before anything is sent again.
pub(super) async fn resume(
    conn: &mut Connection,
    session: &Session,
    clients: &HashMap<String, Clients>,
    open: &[Operation],
) -> Result<()> {
    let gate = &session.gate;
    let unsure: Vec<&Operation> = open
        .iter()
        .filter(|o| o.state == OpState::Submitted && o.request_id.is_none())
        .filter(|o| !o.spec.kind().is_permission_set())
        .collect();
    // AWS's in-progress changes of each affected instance, by target.
    let mut in_flight: HashMap<(Change, String, String, String), String> = HashMap::new();
    let mut listed = HashSet::new();
    for op in unsure.iter().filter(|o| o.spec.kind().is_assignment()) {
        let change = change_of(op.spec.kind());
        let inst = op.spec.instance_arn.clone();
        if !listed.insert((change, inst.clone())) {
            continue;
        }
        let c = &clients[&inst];
        for rid in aws_c::in_progress(c, gate, change, &inst).await? {
            let (_, target) = aws_c::describe(c, gate, change, &inst, &rid).await?;
            if let Some((account, ps, principal)) = target {
                in_flight.insert((change, account, ps, principal), rid);
            }
        }
    }
    for op in unsure {
        let c = &clients[&op.spec.instance_arn];
        let applied = match &op.spec.change {
            OpChange::Grant(a) | OpChange::Revoke(a) => {
                let t = target(&op.spec.instance_arn, a);
                let change = change_of(op.spec.kind());
                let key = (
                    change,
                    t.account_id.clone(),
                    t.permission_set_arn.clone(),
                    t.principal_id.clone(),
                );
                if let Some(rid) = in_flight.get(&key) {
                    operations::mark_in_progress(conn, op.id, rid)?;
                    continue;
                }
                aws_c::exists(c, gate, &t).await? == (change == Change::Create)
            }
            OpChange::CreateUser(u) => {
                let name = &u.new_user.user_name;
                match aws_c::find_user(c, gate, &u.identity_store_id, name).await? {
                    Some(id) => {
                        operations::set_principal_id(conn, op.id, &id)?;
                        true
                    }
                    None => false,
                }
            }
            // Resumed by `permission_sets`, which runs them.
            OpChange::PermissionSet(_) | OpChange::Provision(_) => continue,
            OpChange::AddMember(m) | OpChange::RemoveMember(m) => {
                let groups =
                    aws_c::memberships_of(c, gate, &m.identity_store_id, &m.principal_id).await?;
                let member = groups.iter().any(|(_, g)| *g == m.group_id);
                member == (op.spec.kind() == OpKind::AddMember)
            }
        };
        if applied {
            operations::finish(
                conn,
                op.id,
                OpState::Succeeded,
                Some("found applied when resuming"),
                None,
            )?;
        } else {
            operations::requeue(
                conn,
                op.id,
                "sent before an interruption; AWS shows it was not applied, so it is sent again",
                ErrorCode::Resumed,
            )?;
        }
    }
    Ok(())
}
