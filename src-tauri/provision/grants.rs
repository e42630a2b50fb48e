//! Grant requests, optionally time-bound, reference-counted.
//!
//! Every grant Hallpass applies is a request (stored by `store::grants`). An assignment is
//! revoked when its last active request ends (expiry or "end now"), unless it was there
//! before Hallpass was asked for it (a standing grant). A manual revoke of the assignment
//! ends every request.

use rusqlite::Transaction;

use super::op::{OpChange, OpSpec};
use super::plan::{Plan, PlanItem};
use crate::error::Result;
use crate::store::audit;
use crate::store::grants::{self, GrantRequest, GrantState};

/// An expiry that passed more than this long before Hallpass saw it counts as overdue.
pub(super) const OVERDUE_AFTER: time::Duration = time::Duration::minutes(2);

fn spec_of(g: &GrantRequest) -> OpSpec {
    OpSpec {
        instance_arn: g.instance_arn.clone(),
        change: OpChange::Revoke(g.assignment.clone()),
    }
}

/// Ends one request inside `tx`. Returns the revocation to queue when nothing else needs
/// the assignment (a standing assignment, or one another active request needs, stays).
pub(super) fn release(
    tx: &Transaction<'_>,
    g: &GrantRequest,
    state: GrantState,
    overdue: bool,
    note: &str,
    actor: &str,
) -> Result<Option<Plan>> {
    grants::set_ended(tx, g.id, state, overdue, note)?;
    let others = grants::others_for(tx, g)?;
    let spec = spec_of(g);
    if g.standing || !others.is_empty() {
        let why = if g.standing {
            "kept: the assignment was there before this request".to_owned()
        } else {
            let ids: Vec<String> = others.iter().map(|o| format!("#{}", o.id)).collect();
            format!("kept: still needed by grant {}", ids.join(", "))
        };
        audit::append(
            tx,
            actor,
            None,
            None,
            &spec,
            Some(note),
            &format!("grant #{} {}", g.id, state.as_str()),
            Some(&why),
        )?;
        return Ok(None);
    }
    Ok(Some(Plan {
        items: vec![PlanItem { spec, noop: None }],
        expires_at: None,
        warnings: vec![],
    }))
}

pub(super) use crate::clock::parse_rfc3339 as parse_time;
