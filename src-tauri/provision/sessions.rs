//! Ending live sessions. Revoking an assignment stops new sessions, but a role session
//! already issued from it lives on for up to the permission set's session duration. AWS's
//! documented way to end it (IAM Identity Center user guide, "Revoke active IAM role
//! sessions created by permission sets"): a Deny of every action whose condition matches
//! the user's `identitystore:userId`, in the inline policy of each permission set the user
//! reached, provisioned to the accounts concerned.
//!
//! Hallpass keeps one statement of its own per permission set (Sid `HallpassEndedSessions`)
//! listing the users whose sessions are blocked. A block is recorded with the revoke's
//! batch (`pending`); every run of the queue first writes the statement and provisions it
//! to the block's account, polled to completion (`active`), before the revoke is sent.
//! Once the revoke has finished and the session duration has passed since, every session
//! issued before it has run out: the user leaves the statement, the permission set is
//! provisioned again, and when no user is left the inline policy is put back exactly as it
//! was (`removed`). A step that fails is retried on the next run; meanwhile the user stays
//! blocked, never the other way round. Every step is in the audit log.
//!
//! What this cannot end: the AWS access portal session itself (the user stays signed in to
//! the portal; only the IAM Identity Center console ends it, under Users → Active
//! sessions), and sessions of other permission sets the user still holds.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use rusqlite::Connection;
use serde::Serialize;
use ts_rs::TS;

use super::live_check::{clients_for, instance_access};
use super::op::{OpChange, OpSpec};
use super::request::Plan;
use super::session_policy::{too_large, with_blocked, SID};
use crate::aws::changes::{self as aws_c, Status};
use crate::aws::Session;
use crate::clock::{parse_rfc3339, rfc3339};
use crate::error::{Error, Result};
use crate::model::session_block::{BlockSpec, BlockState, SessionBlock};
use crate::model::{PrincipalType, INLINE_POLICY_MAX};
use crate::store::session_blocks::{self as stored, PolicyRecord};
use crate::store::{audit, operations, queries, snapshots};

/// What ending sessions cannot do, said wherever it is offered.
pub const WHAT_STAYS: &str = "Ending sessions denies the role sessions already issued for what is revoked, on every \
     request, until they have run out (the permission set's session duration after the revoke). It does not sign \
     the user out of the AWS access portal: end that session in the IAM Identity Center console (Users → the user \
     → Active sessions). Sessions of other permission sets the user still holds are not touched, and while the \
     deny stands the user's sessions of this permission set on these accounts are denied however they got it.";

/// The blocks that end the sessions the changes of `plan` take away: for a revoke, the
/// user's (or every member of the group's) sessions of that permission set on that
/// account; for a removal from a group, the user's sessions of every permission set the
/// group holds on each account. Checked against the 32,768-character limit of each
/// permission set's inline policy (with the blocks already there) before anything is
/// written.
pub fn blocks_for(conn: &Connection, plan: &Plan) -> Result<Vec<BlockSpec>> {
    let Some(snap) = snapshots::latest_complete(conn)? else {
        return Ok(vec![]);
    };
    let sets: HashMap<String, crate::model::PermissionSet> = queries::permission_sets(conn, snap)?
        .into_iter()
        .map(|p| (p.arn.clone(), p))
        .collect();
    let accounts: HashMap<String, String> = queries::accounts(conn, snap)?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let duration = |ps: &str| {
        sets.get(ps)
            .and_then(|p| p.session_duration.clone())
            .unwrap_or_else(|| crate::model::DEFAULT_SESSION_DURATION.into())
    };
    let mut out: Vec<BlockSpec> = Vec::new();
    let mut push = |b: BlockSpec| {
        if !out.iter().any(|x| {
            (
                &x.instance_arn,
                &x.permission_set_arn,
                &x.account_id,
                &x.user_id,
            ) == (
                &b.instance_arn,
                &b.permission_set_arn,
                &b.account_id,
                &b.user_id,
            )
        }) {
            out.push(b);
        }
    };
    for item in plan.items.iter().filter(|i| i.noop.is_none()) {
        let instance = &item.spec.instance_arn;
        match &item.spec.change {
            OpChange::Revoke(a) => {
                let users: Vec<(String, Option<String>)> = match a.principal_type {
                    PrincipalType::User => vec![(a.principal_id.clone(), a.principal_name.clone())],
                    PrincipalType::Group => queries::members_of_group(conn, snap, &a.principal_id)?
                        .into_iter()
                        .map(|u| (u.user_id, Some(u.user_name)))
                        .collect(),
                };
                for (user_id, user_name) in users {
                    push(BlockSpec {
                        instance_arn: instance.clone(),
                        permission_set_arn: a.permission_set_arn.clone(),
                        permission_set_name: a.permission_set_name.clone(),
                        account_id: a.account_id.clone(),
                        account_name: a.account_name.clone(),
                        user_id,
                        user_name,
                        session_duration: duration(&a.permission_set_arn),
                    });
                }
            }
            OpChange::RemoveMember(m) => {
                for held in queries::assignments(conn, snap)?.into_iter().filter(|x| {
                    x.principal_type == PrincipalType::Group && x.principal_id == m.group_id
                }) {
                    push(BlockSpec {
                        instance_arn: held.instance_arn.clone(),
                        permission_set_name: sets
                            .get(&held.permission_set_arn)
                            .map(|p| p.name.clone()),
                        session_duration: duration(&held.permission_set_arn),
                        permission_set_arn: held.permission_set_arn,
                        account_name: accounts.get(&held.account_id).cloned(),
                        account_id: held.account_id,
                        user_id: m.principal_id.clone(),
                        user_name: m.principal_name.clone(),
                    });
                }
            }
            _ => {}
        }
    }
    // Each permission set's inline policy with every user it would block.
    let open = stored::list(conn, true)?;
    let mut by_ps: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for b in &out {
        let users = by_ps.entry(b.permission_set_arn.as_str()).or_default();
        users.insert(b.user_id.clone());
        users.extend(
            open.iter()
                .filter(|o| o.spec.permission_set_arn == b.permission_set_arn)
                .map(|o| o.spec.user_id.clone()),
        );
    }
    for (ps, users) in by_ps {
        let set = sets.get(ps);
        let name = set.map(|p| p.name.as_str()).unwrap_or(ps);
        let inline = set.and_then(|p| p.inline_policy.as_deref());
        if let Some(text) = with_blocked(name, inline, &users)? {
            if text.chars().count() > INLINE_POLICY_MAX {
                return Err(too_large(name, text.chars().count()));
            }
        }
    }
    Ok(out)
}

/// The blocks of `plan` whose change is still to be made (live checking may have found a
/// revoke already done: nothing to end then).
pub fn still_needed<'a>(plan: &'a Plan) -> impl Iterator<Item = &'a BlockSpec> + 'a {
    let changes: Vec<&OpSpec> = plan
        .items
        .iter()
        .filter(|i| i.noop.is_none())
        .map(|i| &i.spec)
        .collect();
    plan.end_sessions.iter().filter(move |b| {
        changes.iter().any(|s| match &s.change {
            OpChange::Revoke(a) => {
                a.account_id == b.account_id && a.permission_set_arn == b.permission_set_arn
            }
            OpChange::RemoveMember(m) => m.principal_id == b.user_id,
            _ => false,
        })
    })
}

/// What one pass over the blocks did.
#[derive(Debug, Clone, Default, Serialize, TS)]
#[ts(export)]
pub struct SessionReport {
    /// Blocks written to AWS (the users' sessions are denied now).
    #[ts(type = "number")]
    pub applied: u32,
    /// Blocks taken out after the session duration.
    #[ts(type = "number")]
    pub removed: u32,
    /// Why a permission set's blocks could not be brought up to date (retried next run).
    pub errors: Vec<String>,
}

fn subject(b: &BlockSpec) -> audit::Subject<'_> {
    audit::Subject {
        principal_type: Some(PrincipalType::User.as_str()),
        principal_id: Some(&b.user_id),
        principal_name: b.user_name.as_deref(),
        account_id: Some(&b.account_id),
        account_name: b.account_name.as_deref(),
        permission_set_arn: Some(&b.permission_set_arn),
        permission_set_name: b.permission_set_name.as_deref(),
        ..Default::default()
    }
}

fn describe(b: &BlockSpec) -> String {
    format!(
        "sessions of USER {} with {} on {} ({})",
        b.user_name.as_deref().unwrap_or(&b.user_id),
        b.permission_set_name
            .as_deref()
            .unwrap_or(&b.permission_set_arn),
        b.account_name.as_deref().unwrap_or("?"),
        b.account_id
    )
}

/// Records the blocks of a confirmed plan with its batch (inside the caller's transaction).
pub(super) fn record(conn: &Connection, batch: i64, plan: &Plan, actor: &str) -> Result<()> {
    for b in still_needed(plan) {
        stored::insert(conn, batch, b)?;
        note(
            conn,
            actor,
            batch,
            b,
            "requested",
            &format!(
                "denied until the revoke has finished and {} (the session duration) has passed",
                b.session_duration
            ),
        )?;
    }
    Ok(())
}

/// One step of a block in the audit log.
fn note(
    conn: &Connection,
    actor: &str,
    batch: i64,
    b: &BlockSpec,
    result: &str,
    detail: &str,
) -> Result<()> {
    audit::append_about(
        conn,
        actor,
        Some(batch),
        None,
        "end sessions",
        &describe(b),
        &subject(b),
        None,
        result,
        Some(detail),
    )
}

/// When a block may go: once its batch has finished, the session duration after that.
fn until_of(conn: &Connection, b: &SessionBlock) -> Result<Option<String>> {
    let Some(done) = operations::batch_finished_at(conn, b.batch_id)? else {
        return Ok(None);
    };
    let from = [b.applied_at.as_deref(), Some(done.as_str())]
        .into_iter()
        .flatten()
        .filter_map(parse_rfc3339)
        .max();
    let length = super::duration::parse(&b.spec.session_duration)?;
    Ok(from.map(|t| rfc3339(t + length)))
}

/// Brings the blocks up to date in AWS: pending ones are written and provisioned, ones
/// whose time is over are taken out. Runs before the queue sends its revokes (so the
/// sessions are denied first) and after. A permission set that fails is reported and
/// retried next run.
pub async fn converge(conn: &Connection, session: &Session, actor: &str) -> SessionReport {
    let mut report = SessionReport::default();
    if let Err(e) = converge_all(conn, session, actor, &mut report).await {
        report.errors.push(e.to_string());
    }
    report
}

async fn converge_all(
    conn: &Connection,
    session: &Session,
    actor: &str,
    report: &mut SessionReport,
) -> Result<()> {
    for b in stored::list(conn, true)? {
        if b.state == BlockState::Active && b.until.is_none() {
            if let Some(until) = until_of(conn, &b)? {
                stored::set_until(conn, b.id, &until)?;
            }
        }
    }
    let open = stored::list(conn, true)?;
    if open.is_empty() {
        return Ok(());
    }
    let now = time::OffsetDateTime::now_utc();
    let due = |b: &SessionBlock| {
        b.state == BlockState::Active
            && b.until
                .as_deref()
                .and_then(parse_rfc3339)
                .is_some_and(|t| t <= now)
    };
    let mut by_ps: BTreeMap<(String, String), Vec<SessionBlock>> = BTreeMap::new();
    for b in open {
        by_ps
            .entry((
                b.spec.instance_arn.clone(),
                b.spec.permission_set_arn.clone(),
            ))
            .or_default()
            .push(b);
    }
    let access = instance_access(conn)?;
    let mut cache = HashMap::new();
    for ((instance, ps), blocks) in by_ps {
        let (going, staying): (Vec<&SessionBlock>, Vec<&SessionBlock>) =
            blocks.iter().partition(|b| due(b));
        let pending: Vec<&SessionBlock> = staying
            .iter()
            .copied()
            .filter(|b| b.state == BlockState::Pending)
            .collect();
        if going.is_empty() && pending.is_empty() {
            continue;
        }
        let from = access.get(&instance).cloned().unwrap_or_default();
        let step = async {
            let c = clients_for(session, &mut cache, &from).await?;
            let users: BTreeSet<String> = staying.iter().map(|b| b.spec.user_id.clone()).collect();
            let accounts: BTreeSet<&str> = pending
                .iter()
                .chain(&going)
                .map(|b| b.spec.account_id.as_str())
                .collect();
            let ps_name = blocks[0]
                .spec
                .permission_set_name
                .clone()
                .unwrap_or_else(|| ps.clone());
            write_policy(conn, session, &c, &instance, &ps, &ps_name, &users, actor).await?;
            let provisioned =
                crate::aws::sso::accounts_provisioned(&c, &session.gate, &instance, &ps).await?;
            for account in accounts {
                // An account the permission set left (its last assignment there is gone)
                // has no role to update; it gets the current version if assigned again.
                if !provisioned.iter().any(|a| a == account) {
                    continue;
                }
                let about = blocks
                    .iter()
                    .find(|b| b.spec.account_id == account)
                    .map(|b| subject(&b.spec))
                    .unwrap_or_default();
                let what = format!("provision {ps_name} to account {account}");
                let (request_id, status) = super::provisioning::provision_and_wait(
                    &c,
                    &session.gate,
                    &instance,
                    &ps,
                    &ps_name,
                    Some(account),
                    &super::provisioning::Audited {
                        conn,
                        actor,
                        action: "end sessions",
                        target: &what,
                        about: &about,
                    },
                )
                .await?;
                if let Status::Failed(reason) = status {
                    return Err(Error::InvalidInput(format!(
                        "AWS could not provision {ps_name} to account {account} (request {request_id}): {reason}"
                    )));
                }
            }
            Ok::<_, Error>(())
        };
        match step.await {
            Ok(()) => {
                for b in &pending {
                    stored::set_active(conn, b.id)?;
                    note(
                        conn,
                        actor,
                        b.batch_id,
                        &b.spec,
                        "sessions denied",
                        &format!("Deny on identitystore:userId {} in {SID}", b.spec.user_id),
                    )?;
                    report.applied += 1;
                }
                for b in &going {
                    stored::set_removed(conn, b.id)?;
                    note(
                        conn,
                        actor,
                        b.batch_id,
                        &b.spec,
                        "deny removed",
                        &format!(
                            "the session duration {} has passed since the revoke",
                            b.spec.session_duration
                        ),
                    )?;
                    report.removed += 1;
                }
            }
            Err(e) => {
                let message = e.to_string();
                for b in pending.iter().chain(&going) {
                    stored::set_error(conn, b.id, &message)?;
                }
                crate::logs::warn(format!("sessions not brought up to date: {message}"));
                report.errors.push(message);
            }
        }
    }
    Ok(())
}

/// Writes the permission set's inline policy with `users` blocked (AWS's current policy
/// read first, so that edits made meanwhile are kept). When no user is left and nobody
/// changed the policy since Hallpass wrote it, the original text is put back exactly.
#[allow(clippy::too_many_arguments)]
async fn write_policy(
    conn: &Connection,
    session: &Session,
    c: &crate::aws::Clients,
    instance: &str,
    ps: &str,
    ps_name: &str,
    users: &BTreeSet<String>,
    actor: &str,
) -> Result<()> {
    let current = aws_c::inline_policy(c, &session.gate, instance, ps).await?;
    let record = stored::policy(conn, instance, ps)?;
    let wanted = match &record {
        Some(r) if users.is_empty() && r.written == current => r.original.clone(),
        _ => with_blocked(ps_name, current.as_deref(), users)?,
    };
    if let Some(text) = &wanted {
        let n = text.chars().count();
        if n > INLINE_POLICY_MAX {
            return Err(too_large(ps_name, n));
        }
    }
    if wanted != current {
        aws_c::set_inline_policy(c, &session.gate, instance, ps, wanted.as_deref()).await?;
        let about = audit::Subject {
            permission_set_arn: Some(ps),
            permission_set_name: Some(ps_name),
            ..Default::default()
        };
        audit::append_about(
            conn,
            actor,
            None,
            None,
            "end sessions",
            &format!("inline policy of {ps_name}"),
            &about,
            None,
            if users.is_empty() {
                "deny statement removed"
            } else {
                "deny statement written"
            },
            Some(&format!("{SID}: {} user(s)", users.len())),
        )?;
    }
    if users.is_empty() {
        stored::forget_policy(conn, instance, ps)?;
    } else {
        stored::set_policy(
            conn,
            instance,
            ps,
            &PolicyRecord {
                original: record.map_or(current, |r| r.original),
                written: wanted,
            },
        )?;
    }
    Ok(())
}

/// The open blocks, for `hallpass sessions` and the window.
pub fn list(conn: &Connection, all: bool) -> Result<Vec<SessionBlock>> {
    stored::list(conn, !all)
}
