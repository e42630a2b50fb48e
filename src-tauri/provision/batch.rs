//! Batches: a confirmed plan written as one unit (operations, grant requests, audit
//! entries), and which batches still need their snapshot part refreshed.

use rusqlite::{Connection, TransactionBehavior};

use super::op::OpState;
use super::plan::Plan;
use crate::error::Result;
use crate::model::operation::Granted;
use crate::store::{audit, grants, operations};

/// Writes a confirmed plan: a batch, its operations (no-ops as skipped), the grant
/// requests and the audit entries, all in one transaction. Returns the batch id.
pub fn enqueue(
    conn: &mut Connection,
    plan: &Plan,
    actor: &str,
    reason: Option<&str>,
) -> Result<i64> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let batch = enqueue_in(&tx, plan, actor, reason)?;
    tx.commit()?;
    Ok(batch)
}

/// `enqueue` inside the caller's transaction.
pub(crate) fn enqueue_in(
    tx: &Connection,
    plan: &Plan,
    actor: &str,
    reason: Option<&str>,
) -> Result<i64> {
    let batch = operations::insert_batch(tx, actor, reason, &plan.summary())?;
    super::sessions::record(tx, batch, plan, actor)?;
    for item in &plan.items {
        let s = &item.spec;
        let state = if item.noop.is_some() {
            OpState::Skipped
        } else {
            OpState::Queued
        };
        let grant_id = match Granted::given_by(&s.change) {
            Some(g) => Some(grants::record(
                tx,
                &s.instance_arn,
                &g,
                &grants::Asked {
                    actor,
                    reason,
                    expires_at: plan.expires_at.as_deref(),
                    break_glass: plan.break_glass,
                },
                item.noop.is_some(),
            )?),
            None => None,
        };
        if let Some(g) = Granted::taken_by(&s.change) {
            let note = match g {
                Granted::Assignment(_) => "revoked",
                Granted::Membership(_) => "removed from the group",
            };
            grants::end_all(tx, &s.instance_arn, &g, note)?;
        }
        let op = operations::insert(tx, batch, s, state, item.noop.as_deref(), grant_id)?;
        audit::append(
            tx,
            actor,
            Some(batch),
            Some(op),
            s,
            reason,
            if plan.break_glass && grant_id.is_some() {
                "break-glass requested"
            } else {
                "requested"
            },
            None,
        )?;
        if let Some(why) = &item.noop {
            audit::append(
                tx,
                actor,
                Some(batch),
                Some(op),
                s,
                reason,
                "skipped",
                Some(why),
            )?;
        }
    }
    Ok(batch)
}
