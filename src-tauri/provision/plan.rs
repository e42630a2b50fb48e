//! From what the admin asked to the operations that would run, with the no-ops marked:
//! first against the newest snapshot, then (when connected) against AWS itself.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::items::{assignment_items, orphan_items};
pub use super::live::live_check;
use super::resolve::Snapshot;
use super::{NewUser, OpKind, OpSpec};
use crate::error::{Error, Result};
use crate::model::{Instance, InstanceSource, PrincipalType};
use crate::store::{queries, snapshots};

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
    },
    RemoveMember {
        group: String,
        user: String,
        instance: Option<String>,
    },
    Grant {
        assignment: AssignmentRequest,
        /// How long the grant lasts (`8h`, `7d`, ...); none for a standing grant.
        expires_in: Option<String>,
    },
    Revoke {
        assignment: AssignmentRequest,
    },
    /// Revoke every assignment whose user or group no longer exists.
    RevokeOrphans,
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
}

impl Plan {
    pub fn changes(&self) -> usize {
        self.items.iter().filter(|i| i.noop.is_none()).count()
    }

    pub fn summary(&self) -> String {
        let mut by_kind: Vec<(OpKind, usize)> = Vec::new();
        for i in self.items.iter().filter(|i| i.noop.is_none()) {
            match by_kind.iter_mut().find(|(k, _)| *k == i.spec.kind) {
                Some((_, n)) => *n += 1,
                None => by_kind.push((i.spec.kind, 1)),
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

pub(super) fn blank(kind: OpKind, instance: &Instance) -> OpSpec {
    OpSpec {
        kind,
        instance_arn: instance.instance_arn.clone(),
        identity_store_id: instance.identity_store_id.clone(),
        account_id: None,
        account_name: None,
        permission_set_arn: None,
        permission_set_name: None,
        principal_type: None,
        principal_id: None,
        principal_name: None,
        group_id: None,
        group_name: None,
        new_user: None,
    }
}

/// A direct user grant needs a reason (reference 001 §5: assign groups, not users).
pub fn require_reason(request: &Request, reason: Option<&str>) -> Result<()> {
    if let Request::Grant { assignment, .. } = request {
        if assignment.principal_type == PrincipalType::User
            && reason.is_none_or(|r| r.trim().is_empty())
        {
            return Err(Error::InvalidInput(format!(
                "granting directly to user {:?} needs a reason. Access is easier to review when it comes through \
                 groups: add the user to a group that has this permission set instead, or give --reason \
                 (say why, and who owns this exception).",
                assignment.principal
            )));
        }
    }
    Ok(())
}

/// Plans several requests as one plan: each operation once, the warnings of all, the
/// first expiry.
pub fn plan_all(conn: &Connection, requests: &[Request]) -> Result<Plan> {
    let mut out = Plan {
        items: vec![],
        expires_at: None,
        warnings: vec![],
    };
    for r in requests {
        let p = plan(conn, r)?;
        for item in p.items {
            if !out.items.iter().any(|x| x.spec == item.spec) {
                out.items.push(item);
            }
        }
        out.expires_at = out.expires_at.or(p.expires_at);
        out.warnings.extend(p.warnings);
    }
    Ok(out)
}

/// Plans `request` against the newest snapshot.
pub fn plan(conn: &Connection, request: &Request) -> Result<Plan> {
    let snap_id = snapshots::latest_complete(conn)?.ok_or_else(|| {
        Error::NotFound(
            "there is no snapshot yet: run `hallpass sync` before changing access".into(),
        )
    })?;
    let snap = Snapshot::load(conn, snap_id)?;
    let mut warnings = Vec::new();
    let mut expires_at = None;
    let items = match request {
        Request::CreateUser { user, instance } => {
            // New users go to the organization's own instance unless told otherwise.
            let inst = pick_instance(&snap, instance.as_deref(), |i| {
                i.source == InstanceSource::Organization
            })?;
            let user = &trimmed(user);
            validate_new_user(user)?;
            let mut s = blank(OpKind::CreateUser, inst);
            s.principal_type = Some(PrincipalType::User);
            s.principal_name = Some(user.user_name.clone());
            s.new_user = Some(user.clone());
            let exists = snap.user(&inst.identity_store_id, &user.user_name).is_ok();
            warnings.push(sign_in_note(&user.user_name));
            vec![PlanItem {
                spec: s,
                noop: exists.then(|| "a user with this user name already exists".into()),
            }]
        }
        Request::AddMember {
            group,
            user,
            instance,
        }
        | Request::RemoveMember {
            group,
            user,
            instance,
        } => {
            let add = matches!(request, Request::AddMember { .. });
            let inst = pick_instance(&snap, instance.as_deref(), |i| {
                snap.group(&i.identity_store_id, group).is_ok()
                    && snap.user(&i.identity_store_id, user).is_ok()
            })?;
            let g = snap.group(&inst.identity_store_id, group)?;
            let u = snap.user(&inst.identity_store_id, user)?;
            let member = queries::groups_of_user(conn, snap_id, &u.user_id)?
                .iter()
                .any(|x| x.group_id == g.group_id);
            let mut s = blank(
                if add {
                    OpKind::AddMember
                } else {
                    OpKind::RemoveMember
                },
                inst,
            );
            s.principal_type = Some(PrincipalType::User);
            s.principal_id = Some(u.user_id.clone());
            s.principal_name = Some(u.user_name.clone());
            s.group_id = Some(g.group_id.clone());
            s.group_name = Some(g.display_name.clone());
            let noop = match (add, member) {
                (true, true) => Some("already a member".to_owned()),
                (false, false) => Some("not a member".to_owned()),
                _ => None,
            };
            vec![PlanItem { spec: s, noop }]
        }
        Request::Grant {
            assignment,
            expires_in,
        } => {
            if let Some(d) = expires_in.as_deref().filter(|d| !d.trim().is_empty()) {
                expires_at = Some(super::duration::expiry_from_now(super::duration::parse(d)?));
            }
            assignment_items(conn, &snap, assignment, OpKind::Grant, &mut warnings)?
        }
        Request::Revoke { assignment } => {
            assignment_items(conn, &snap, assignment, OpKind::Revoke, &mut warnings)?
        }
        Request::RevokeOrphans => orphan_items(conn, &snap)?,
    };
    Ok(Plan {
        items,
        expires_at,
        warnings,
    })
}

/// The user as AWS will store it: every attribute without surrounding whitespace.
fn trimmed(u: &NewUser) -> NewUser {
    NewUser {
        user_name: u.user_name.trim().to_owned(),
        given_name: u.given_name.trim().to_owned(),
        family_name: u.family_name.trim().to_owned(),
        display_name: u.display_name.trim().to_owned(),
        email: u.email.trim().to_owned(),
    }
}

/// User names the Identity Store refuses (CreateUser API reference: "Administrator and
/// AWSAdministrators are reserved names and can't be used for users or groups"). Compared
/// without regard to case, which refuses at least everything AWS does.
const RESERVED_USER_NAMES: &[&str] = &["Administrator", "AWSAdministrators"];

/// What happens after a user is created through the API (IAM Identity Center user guide:
/// users created with the API get no password and no invitation email; the admin sends a
/// verification email or a one-time password from the console).
pub fn sign_in_note(user_name: &str) -> String {
    format!(
        "AWS sends {user_name} no email and sets no password for a user created through the API. To let them \
         sign in, open the IAM Identity Center console → Users → {user_name} → Reset password, and send the \
         email with instructions or share a one-time password."
    )
}

fn validate_new_user(u: &NewUser) -> Result<()> {
    let name = u.user_name.as_str();
    if name.is_empty()
        || name.chars().count() > 128
        || name.chars().any(|c| c.is_whitespace() || c.is_control())
    {
        return Err(Error::InvalidInput(format!(
            "{:?} is not a valid user name: use 1-128 characters without spaces (often the email address)",
            u.user_name
        )));
    }
    if let Some(r) = RESERVED_USER_NAMES
        .iter()
        .find(|r| r.eq_ignore_ascii_case(name))
    {
        return Err(Error::InvalidInput(format!(
            "{name:?} is a name AWS reserves ({r}) and refuses for users and groups; choose another user name"
        )));
    }
    for (field, v) in [
        ("given name", &u.given_name),
        ("family name", &u.family_name),
        ("display name", &u.display_name),
    ] {
        if v.trim().is_empty() {
            return Err(Error::InvalidInput(format!(
                "the {field} is required by IAM Identity Center"
            )));
        }
    }
    let e = u.email.trim();
    let valid = e
        .split_once('@')
        .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !e.contains(' '));
    if !valid {
        return Err(Error::InvalidInput(format!(
            "{:?} is not an email address; the user needs one to reset their password and sign in",
            u.email
        )));
    }
    Ok(())
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
