//! Ending time-bound grants: when they expire (even after Hallpass was closed) or when
//! ended early. A request ends in its own transaction together with the revocation it
//! queues, so an ended request never leaves its assignment behind.

use rusqlite::{Connection, TransactionBehavior};

use super::batch::enqueue_in;
use super::grants::{self, parse_time, OVERDUE_AFTER};
use crate::error::{Error, Result};
use crate::store::grants::{self as stored, GrantRequest, GrantState};

/// Ends every request whose expiry has passed; returns them, and how many were overdue.
pub fn expire_due(conn: &mut Connection, actor: &str) -> Result<(Vec<GrantRequest>, usize)> {
    let now = time::OffsetDateTime::now_utc();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let mut expired = Vec::new();
    let mut overdue = 0;
    let scheduled = crate::store::expiry_schedules::list(&tx)?;
    for g in stored::with_expiry(&tx)? {
        let Some(at) = g.expires_at.as_deref().and_then(parse_time) else {
            continue;
        };
        if at > now {
            continue;
        }
        let by_aws = super::expiry_schedules::fired_by_aws(&scheduled, &g, now);
        // Revoked on time by AWS while Hallpass was away: not overdue.
        let late = now - at > OVERDUE_AFTER && by_aws.is_none();
        let note = if let Some(fired) = by_aws {
            format!(
                "grant #{} expired at {}; its revocation by AWS (EventBridge Scheduler) was due at {fired}, whether or not Hallpass ran",
                g.id,
                g.expires_at.as_deref().unwrap_or("")
            )
        } else if late {
            format!(
                "grant #{} expired at {} while Hallpass was not running (overdue)",
                g.id,
                g.expires_at.as_deref().unwrap_or("")
            )
        } else {
            format!("grant #{} expired", g.id)
        };
        if let Some(plan) = grants::release(&tx, &g, GrantState::Expired, late, &note, actor)? {
            enqueue_in(&tx, &plan, actor, Some(&note))?;
        }
        overdue += usize::from(late);
        expired.push(g);
    }
    tx.commit()?;
    Ok((expired, overdue))
}

/// Ends one request now ("end early"); the assignment (or membership) goes only if nothing
/// else needs it, and with `end_sessions` the live sessions it gave end too. Returns the
/// revocation's batch, if one was queued.
pub fn end_request(
    conn: &mut Connection,
    id: i64,
    actor: &str,
    end_sessions: bool,
) -> Result<Option<i64>> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let g = stored::get(&tx, id)?;
    if g.state != GrantState::Active {
        return Err(Error::InvalidInput(format!(
            "grant request {id} already {}",
            g.state.as_str()
        )));
    }
    let note = format!("grant #{id} ended early");
    let batch = match grants::release(&tx, &g, GrantState::Ended, false, &note, actor)? {
        Some(mut plan) => {
            if end_sessions {
                plan.end_sessions = super::sessions::blocks_for(&tx, &plan)?;
            }
            Some(enqueue_in(&tx, &plan, actor, Some(&note))?)
        }
        None => None,
    };
    tx.commit()?;
    Ok(batch)
}
