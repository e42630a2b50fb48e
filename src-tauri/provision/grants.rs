//! Grant requests, optionally time-bound, reference-counted.
//!
//! Every grant and every group membership Hallpass applies is a request (stored by
//! `store::grants`). An assignment is revoked, or a user removed from the group, when its
//! last active request ends (expiry or "end now"), unless it was there before Hallpass
//! was asked for it (standing). A manual revoke or removal ends every request for it.

use rusqlite::Transaction;

use super::op::OpSpec;
use super::plan::{Plan, PlanItem};
use crate::error::Result;
use crate::model::operation::Granted;
use crate::store::audit;
use crate::store::grants::{self, GrantRequest, GrantState};

/// An expiry that passed more than this long before Hallpass saw it counts as overdue.
pub(super) const OVERDUE_AFTER: time::Duration = time::Duration::minutes(2);

fn spec_of(g: &GrantRequest) -> OpSpec {
    OpSpec {
        instance_arn: g.instance_arn.clone(),
        change: g.granted.removal(),
    }
}

/// Ends one request inside `tx`. Returns the revocation (or removal from the group) to
/// queue when nothing else needs what it holds (standing access, or access another active
/// request needs, stays).
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
            match g.granted {
                Granted::Assignment(_) => "kept: the assignment was there before this request",
                Granted::Membership(_) => "kept: the user was in the group before this request",
            }
            .to_owned()
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
        end_sessions: vec![],
        break_glass: false,
    }))
}

pub(super) use crate::clock::parse_rfc3339 as parse_time;
