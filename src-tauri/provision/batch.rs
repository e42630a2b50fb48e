//! Batches: a confirmed plan written as one unit (operations, grant requests, audit
//! entries), and which batches still need their snapshot part refreshed.

use rusqlite::{Connection, TransactionBehavior};

use super::op::{OpChange, OpState, Operation};
use super::plan::Plan;
use super::queue::{list, spec_columns};
use super::{audit, grants};
use crate::clock::now_rfc3339;
use crate::error::Result;

/// A confirmed plan.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Batch {
    #[ts(type = "number")]
    pub id: i64,
    pub created_at: String,
    pub actor: String,
    pub reason: Option<String>,
    pub summary: String,
}

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
    let now = now_rfc3339();
    tx.execute(
        "INSERT INTO batches(created_at, actor, reason, summary) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![now, actor, reason, plan.summary()],
    )?;
    let batch = tx.last_insert_rowid();
    for item in &plan.items {
        let s = &item.spec;
        let state = if item.noop.is_some() {
            OpState::Skipped
        } else {
            OpState::Queued
        };
        let grant_id = match &s.change {
            OpChange::Grant(a) => Some(grants::record(
                tx,
                &s.instance_arn,
                a,
                actor,
                reason,
                plan.expires_at.as_deref(),
                item.noop.is_some(),
            )?),
            OpChange::Revoke(a) => {
                grants::end_all(tx, &s.instance_arn, a, "revoked")?;
                None
            }
            _ => None,
        };
        let c = spec_columns(s);
        tx.execute(
            "INSERT INTO operations(batch_id, kind, state, instance_arn, identity_store_id, account_id, account_name,
                 permission_set_arn, permission_set_name, principal_type, principal_id, principal_name, group_id,
                 group_name, payload, result, grant_id, created_at, updated_at, finished_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?18, ?19)",
            rusqlite::params![
                batch,
                s.kind().as_str(),
                state.as_str(),
                s.instance_arn,
                c[0],
                c[1],
                c[2],
                c[3],
                c[4],
                c[5],
                c[6],
                c[7],
                c[8],
                c[9],
                c[10],
                item.noop,
                grant_id,
                now,
                item.noop.as_ref().map(|_| now.clone()),
            ],
        )?;
        let op = tx.last_insert_rowid();
        audit::append(
            tx,
            actor,
            Some(batch),
            Some(op),
            s,
            reason,
            "requested",
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

pub fn batches(conn: &Connection, limit: usize) -> Result<Vec<Batch>> {
    let mut stmt = conn.prepare(
        "SELECT id, created_at, actor, reason, summary FROM batches ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], |r| {
        Ok(Batch {
            id: r.get(0)?,
            created_at: r.get(1)?,
            actor: r.get(2)?,
            reason: r.get(3)?,
            summary: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Batches whose operations have all reached an end state but whose snapshot part was not refreshed.
pub fn unrefreshed_batches(conn: &Connection) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare(
        "SELECT b.id FROM batches b WHERE b.refreshed = 0
           AND NOT EXISTS (SELECT 1 FROM operations o WHERE o.batch_id = b.id
                           AND o.state IN ('queued', 'submitted', 'in-progress'))
         ORDER BY b.id",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn mark_refreshed(conn: &Connection, batches: &[i64]) -> Result<()> {
    for b in batches {
        conn.execute("UPDATE batches SET refreshed = 1 WHERE id = ?1", [b])?;
    }
    Ok(())
}

/// Operations of the given batches that changed something.
pub fn succeeded_in(conn: &Connection, batches: &[i64]) -> Result<Vec<Operation>> {
    let mut out = Vec::new();
    for b in batches {
        out.extend(
            list(conn, Some(*b), usize::MAX >> 1)?
                .into_iter()
                .filter(|o| o.state == OpState::Succeeded),
        );
    }
    Ok(out)
}
