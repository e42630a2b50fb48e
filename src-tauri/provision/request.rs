//! What the admin asks for (a `Request`) and what Hallpass would do about it (a `Plan` of
//! operations, each marked when nothing needs doing), with the helpers that build them.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::op::{NewUser, OpKind, OpSpec};
use super::resolve::Snapshot;
use crate::error::{Error, Result};
use crate::model::{Instance, PrincipalType};

/// Grant or revoke one principal's permission sets on accounts chosen one by one or by OU.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AssignmentRequest {
    pub principal_type: PrincipalType,
    /// A group's display name or a user's user name (or their ids).
    pub principal: String,
    /// Names or ARNs.
    pub permission_sets: Vec<String>,
    /// Ids or names.
    pub accounts: Vec<String>,
    /// Ids or names (or `root`); their accounts, recursively.
    pub ous: Vec<String>,
    /// Needed when the organization has more than one Identity Center instance.
    pub instance: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum Request {
    CreateUser {
        user: NewUser,
        instance: Option<String>,
    },
    AddMember {
        group: String,
        user: String,
        instance: Option<String>,
        /// How long the membership lasts (`8h`, `7d`, ...): just-in-time access through
        /// the group, ended like a time-bound grant; none to add for good.
        expires_in: Option<String>,
    },
    RemoveMember {
        group: String,
        user: String,
        instance: Option<String>,
        /// Also end the user's live sessions of what the group gave them.
        #[serde(default)]
        end_sessions: bool,
    },
    Grant {
        assignment: AssignmentRequest,
        /// How long the grant lasts (`8h`, `7d`, ...); none for a standing grant.
        expires_in: Option<String>,
    },
    Revoke {
        assignment: AssignmentRequest,
        /// Also end the live sessions issued from what is revoked.
        #[serde(default)]
        end_sessions: bool,
    },
    /// Revoke every assignment whose user or group no longer exists.
    RevokeOrphans,
    /// Break-glass: the organization's break-glass permission set to one named user on the
    /// named accounts, for a short time (an hour unless said otherwise, at most 12 hours).
    BreakGlass {
        /// A user name (or id).
        user: String,
        /// Ids or names.
        accounts: Vec<String>,
        expires_in: Option<String>,
        instance: Option<String>,
    },
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PlanItem {
    pub spec: OpSpec,
    /// Why nothing needs to be done, when nothing does.
    pub noop: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Plan {
    pub items: Vec<PlanItem>,
    /// When the grants of this plan end (RFC 3339), for time-bound grants.
    pub expires_at: Option<String>,
    pub warnings: Vec<String>,
    /// Live sessions to end with the revocations (`--end-sessions`).
    #[serde(default)]
    pub end_sessions: Vec<crate::model::session_block::BlockSpec>,
    /// Break-glass access: the organization's break-glass permission set to a named user.
    #[serde(default)]
    pub break_glass: bool,
}

impl Plan {
    pub fn changes(&self) -> usize {
        self.items.iter().filter(|i| i.noop.is_none()).count()
    }

    pub fn summary(&self) -> String {
        let mut by_kind: Vec<(OpKind, usize)> = Vec::new();
        for i in self.items.iter().filter(|i| i.noop.is_none()) {
            match by_kind.iter_mut().find(|(k, _)| *k == i.spec.kind()) {
                Some((_, n)) => *n += 1,
                None => by_kind.push((i.spec.kind(), 1)),
            }
        }
        let mut parts: Vec<String> = by_kind
            .iter()
            .map(|(k, n)| format!("{} {n}", k.as_str()))
            .collect();
        let noops = self.items.len() - self.changes();
        if noops > 0 {
            parts.push(format!("{noops} already done"));
        }
        if parts.is_empty() {
            "nothing to do".into()
        } else {
            parts.join(", ")
        }
    }
}

pub(super) fn pick_instance<'a>(
    snap: &'a Snapshot,
    wanted: Option<&str>,
    fits: impl Fn(&Instance) -> bool,
) -> Result<&'a Instance> {
    if let Some(i) = snap.instance(wanted, false)? {
        return Ok(i);
    }
    let fitting: Vec<&Instance> = snap.instances.iter().filter(|i| fits(i)).collect();
    match fitting.as_slice() {
        [one] => Ok(one),
        [] => snap
            .instance(None, true)?
            .ok_or_else(|| Error::NotFound("the snapshot has no Identity Center instance".into())),
        many => Err(Error::InvalidInput(format!(
            "the names fit {} Identity Center instances; choose one with --instance (ARN or identity store id): {}",
            many.len(),
            snap.instance_list()
        ))),
    }
}

pub(super) fn noop_for(kind: OpKind, present: bool) -> Option<String> {
    match (kind, present) {
        (OpKind::Grant, true) => Some("already granted".into()),
        (OpKind::Revoke, false) => Some("already absent".into()),
        (OpKind::AddMember, true) => Some("already a member".into()),
        (OpKind::RemoveMember, false) => Some("not a member".into()),
        _ => None,
    }
}
