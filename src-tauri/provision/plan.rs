//! From what the admin asked to the operations that would run, with the no-ops marked:
//! first against the newest snapshot, then (when connected) against AWS itself.

use rusqlite::Connection;

use super::expand::{assignment_items, orphan_items};
pub use super::live_check::live_check;
use super::op::{MembershipSpec, NewUser, OpChange, OpKind, OpSpec, UserSpec};
use super::request::pick_instance;
pub use super::request::{AssignmentRequest, Plan, PlanItem, Request};
use super::resolve::Snapshot;
use crate::error::{Error, Result};
use crate::model::{InstanceSource, PrincipalType};
use crate::store::{queries, snapshots};

/// The one rule: a grant made to a user directly needs a reason (access is easier to
/// review when it comes through groups). `user` names the user.
fn reason_needed(user: &str, reason: Option<&str>) -> Result<()> {
    if reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(Error::InvalidInput(format!(
            "granting directly to user {user:?} needs a reason. Access is easier to review when it comes through \
             groups: add the user to a group that has this permission set instead, or give a reason (--reason: \
             say why, and who owns this exception)."
        )));
    }
    Ok(())
}

/// Break-glass access always needs a reason.
fn break_glass_reason(reason: Option<&str>) -> Result<()> {
    if reason.is_none_or(|r| r.trim().is_empty()) {
        return Err(Error::InvalidInput(
            "break-glass access needs a reason (--reason): say what broke and why normal access does not do".into(),
        ));
    }
    Ok(())
}

/// A direct user grant (and break-glass access) needs a reason, checked on the request
/// before planning.
pub fn require_reason(request: &Request, reason: Option<&str>) -> Result<()> {
    match request {
        Request::Grant { assignment, .. } if assignment.principal_type == PrincipalType::User => {
            reason_needed(&assignment.principal, reason)
        }
        Request::BreakGlass { .. } => break_glass_reason(reason),
        _ => Ok(()),
    }
}

/// The same rule on a plan about to be applied.
pub fn require_reason_for_plan(plan: &Plan, reason: Option<&str>) -> Result<()> {
    if plan.break_glass {
        return break_glass_reason(reason);
    }
    for i in &plan.items {
        if let OpChange::Grant(a) = &i.spec.change {
            if a.principal_type == PrincipalType::User {
                reason_needed(a.principal_name.as_deref().unwrap_or("?"), reason)?;
            }
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
        end_sessions: vec![],
        break_glass: false,
    };
    for r in requests {
        let p = plan(conn, r)?;
        for item in p.items {
            if !out.items.iter().any(|x| x.spec == item.spec) {
                out.items.push(item);
            }
        }
        out.expires_at = out.expires_at.or(p.expires_at);
        out.break_glass |= p.break_glass;
        out.warnings.extend(p.warnings);
        for b in p.end_sessions {
            if !out.end_sessions.contains(&b) {
                out.end_sessions.push(b);
            }
        }
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
            let s = OpSpec {
                instance_arn: inst.instance_arn.clone(),
                change: OpChange::CreateUser(UserSpec {
                    identity_store_id: inst.identity_store_id.clone(),
                    new_user: user.clone(),
                    principal_id: None,
                }),
            };
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
            ..
        }
        | Request::RemoveMember {
            group,
            user,
            instance,
            ..
        } => {
            let add = matches!(request, Request::AddMember { .. });
            if let Request::AddMember {
                expires_in: Some(d),
                ..
            } = request
            {
                expires_at = expiry_of(d)?;
            }
            let inst = pick_instance(&snap, instance.as_deref(), |i| {
                snap.group(&i.identity_store_id, group).is_ok()
                    && snap.user(&i.identity_store_id, user).is_ok()
            })?;
            let g = snap.group(&inst.identity_store_id, group)?;
            let u = snap.user(&inst.identity_store_id, user)?;
            let member = queries::groups_of_user(conn, snap_id, &u.user_id)?
                .iter()
                .any(|x| x.group_id == g.group_id);
            let m = MembershipSpec {
                identity_store_id: inst.identity_store_id.clone(),
                principal_id: u.user_id.clone(),
                principal_name: Some(u.user_name.clone()),
                group_id: g.group_id.clone(),
                group_name: Some(g.display_name.clone()),
            };
            let s = OpSpec {
                instance_arn: inst.instance_arn.clone(),
                change: if add {
                    OpChange::AddMember(m)
                } else {
                    OpChange::RemoveMember(m)
                },
            };
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
            if let Some(d) = expires_in {
                expires_at = expiry_of(d)?;
            }
            assignment_items(conn, &snap, assignment, OpKind::Grant, &mut warnings)?
        }
        Request::Revoke { assignment, .. } => {
            assignment_items(conn, &snap, assignment, OpKind::Revoke, &mut warnings)?
        }
        Request::RevokeOrphans => orphan_items(conn, &snap)?,
        Request::BreakGlass {
            user,
            accounts,
            expires_in,
            instance,
        } => {
            let ps = super::break_glass::permission_set(conn, &snap)?;
            let length = super::break_glass::length(expires_in.as_deref())?;
            expires_at = Some(super::duration::expiry_from_now(length));
            warnings.push(format!(
                "BREAK-GLASS: {ps} to user {user} until {}. This is announced on every Hallpass and the team's \
                 webhook, recorded in the audit log with the reason, and shown in red until it ends.",
                expires_at.as_deref().unwrap_or("?")
            ));
            let request = AssignmentRequest {
                principal_type: PrincipalType::User,
                principal: user.clone(),
                permission_sets: vec![ps],
                accounts: accounts.clone(),
                ous: vec![],
                instance: instance.clone(),
            };
            assignment_items(conn, &snap, &request, OpKind::Grant, &mut warnings)?
        }
    };
    let mut plan = Plan {
        items,
        expires_at,
        warnings,
        end_sessions: vec![],
        break_glass: matches!(request, Request::BreakGlass { .. }),
    };
    if matches!(
        request,
        Request::Revoke {
            end_sessions: true,
            ..
        } | Request::RemoveMember {
            end_sessions: true,
            ..
        }
    ) {
        plan.end_sessions = super::sessions::blocks_for(conn, &plan)?;
        plan.warnings.push(super::sessions::WHAT_STAYS.into());
    }
    Ok(plan)
}

/// When access asked for `d` (`8h`, `7d`, ...) from now ends; none for an empty `d`.
fn expiry_of(d: &str) -> Result<Option<String>> {
    if d.trim().is_empty() {
        return Ok(None);
    }
    Ok(Some(super::duration::expiry_from_now(
        super::duration::parse(d)?,
    )))
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
