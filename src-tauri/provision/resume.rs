//! After an interruption: what was sent without an answer recorded is looked up in AWS
//! before anything is sent again.

use std::collections::{HashMap, HashSet};

use rusqlite::Connection;

use super::op::{OpKind, OpState, Operation};
use super::queue;
use super::send::{change_of, target_of};
use crate::aws::provision::{self as aws_p, Change};
use crate::aws::{Clients, Session};
use crate::error::Result;

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
        .collect();
    // AWS's in-progress changes of each affected instance, by target.
    let mut in_flight: HashMap<(Change, String, String, String), String> = HashMap::new();
    let mut listed = HashSet::new();
    for op in unsure.iter().filter(|o| o.spec.kind.is_assignment()) {
        let change = change_of(op.spec.kind);
        let inst = op.spec.instance_arn.clone();
        if !listed.insert((change, inst.clone())) {
            continue;
        }
        let c = &clients[&inst];
        for rid in aws_p::in_progress(c, gate, change, &inst).await? {
            let (_, target) = aws_p::describe(c, gate, change, &inst, &rid).await?;
            if let Some((account, ps, principal)) = target {
                in_flight.insert((change, account, ps, principal), rid);
            }
        }
    }
    for op in unsure {
        let c = &clients[&op.spec.instance_arn];
        let store_id = &op.spec.identity_store_id;
        let applied = match op.spec.kind {
            OpKind::Grant | OpKind::Revoke => {
                let t = target_of(op);
                let change = change_of(op.spec.kind);
                let key = (
                    change,
                    t.account_id.clone(),
                    t.permission_set_arn.clone(),
                    t.principal_id.clone(),
                );
                if let Some(rid) = in_flight.get(&key) {
                    queue::mark_in_progress(conn, op.id, rid)?;
                    continue;
                }
                aws_p::exists(c, gate, &t).await? == (change == Change::Create)
            }
            OpKind::CreateUser => {
                let name = op.spec.principal_name.clone().unwrap_or_default();
                match aws_p::find_user(c, gate, store_id, &name).await? {
                    Some(id) => {
                        queue::set_principal_id(conn, op.id, &id)?;
                        true
                    }
                    None => false,
                }
            }
            OpKind::AddMember | OpKind::RemoveMember => {
                let user = op.spec.principal_id.clone().unwrap_or_default();
                let groups = aws_p::memberships_of(c, gate, store_id, &user).await?;
                let member = groups
                    .iter()
                    .any(|(_, g)| Some(g) == op.spec.group_id.as_ref());
                member == (op.spec.kind == OpKind::AddMember)
            }
        };
        if applied {
            queue::finish(
                conn,
                op.id,
                OpState::Succeeded,
                Some("found applied when resuming"),
                None,
            )?;
        } else {
            queue::requeue(
                conn,
                op.id,
                "sent before an interruption; AWS shows it was not applied, so it is sent again",
                "resumed",
            )?;
        }
    }
    Ok(())
}
