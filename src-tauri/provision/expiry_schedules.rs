//! Expiry enforced by AWS: for every assignment (and every group membership) with active
//! time-bound requests, one EventBridge Scheduler schedule that revokes it (or deletes the
//! membership) at the latest of their expiries, so access ends on time even when no
//! Hallpass runs (the laptop closed, lost, reinstalled).
//!
//! The rules are the grant requests' own (`grants`): standing access, or access a request
//! holds without an expiry, gets no schedule; ending a request early, revoking or removing
//! the user from the group moves or deletes it. `reconcile` makes AWS's schedules match the requests after every
//! run of the queue: missing ones are written, ones no request needs are deleted, ones
//! that already fired are cleaned up, and schedules in Hallpass's group that this folder
//! never wrote are reported, never touched.

use std::collections::{BTreeMap, HashSet};

use rusqlite::Connection;
use serde::Serialize;
use ts_rs::TS;

use crate::aws::schedules::{self, Revocation};
use crate::aws::Session;
use crate::clock::{parse_rfc3339, rfc3339};
use crate::error::{Error, Result};
use crate::model::operation::Granted;
use crate::model::{AccessLevel, PrincipalType};
use crate::store::expiry_schedules::{self as written, Written};
use crate::store::{self, grants};

const SETTING: &str = "expiry_by_aws";

/// The soonest a schedule is written for: an expiry closer than this (or already past,
/// with the request not yet ended here) is scheduled this far ahead, so that AWS still ends
/// it if this Hallpass stops first. AWS refuses nothing in the future, and runs a schedule
/// within the minute of its time.
const LEAD: time::Duration = time::Duration::seconds(10);

/// Where the names of schedules in Hallpass's group that this folder did not write are
/// kept between runs, for the `unknown-expiry-schedule` finding.
const UNKNOWN_SETTING: &str = "expiry_unknown_schedules";

/// Schedules in Hallpass's group the last reconciliation found but this folder never wrote.
pub fn unknown(conn: &Connection) -> Result<Vec<String>> {
    Ok(store::get_setting(conn, UNKNOWN_SETTING)?
        .and_then(|t| serde_json::from_str(&t).ok())
        .unwrap_or_default())
}

/// Whether expiries are also enforced by AWS (the admin created the execution role and
/// turned it on).
pub fn enabled(conn: &Connection) -> Result<bool> {
    Ok(store::get_setting(conn, SETTING)?.as_deref() == Some("on"))
}

pub fn set_enabled(conn: &Connection, on: bool) -> Result<()> {
    store::set_setting(conn, SETTING, if on { "on" } else { "off" })
}

/// Whether time-bound access ends on time without Hallpass, for the banner and Settings.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ExpiryStatus {
    /// Expiries are enforced by AWS (EventBridge Scheduler).
    pub enabled: bool,
    /// Active time-bound grants (not standing).
    #[ts(type = "number")]
    pub time_bound: u32,
    /// The soonest of their expiries (RFC 3339).
    pub next: Option<String>,
    /// Schedules written to AWS for them.
    #[ts(type = "number")]
    pub schedules: u32,
}

pub fn status(conn: &Connection) -> Result<ExpiryStatus> {
    let timed: Vec<_> = grants::list(conn, true)?
        .into_iter()
        .filter(|g| g.expires_at.is_some() && !g.standing)
        .collect();
    Ok(ExpiryStatus {
        enabled: enabled(conn)?,
        time_bound: timed.len() as u32,
        next: timed.iter().filter_map(|g| g.expires_at.clone()).min(),
        schedules: written::list(conn)?.len() as u32,
    })
}

/// The expiry role's policies, for the management account of the newest snapshot.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct RolePolicies {
    pub role_name: String,
    pub management_account_id: String,
    pub trust_policy: String,
    pub permissions_policy: String,
}

pub fn role_policies(conn: &Connection) -> Result<RolePolicies> {
    let needs_sync = || {
        Error::NotConnected(
            "the expiry role's trust names the management account: sync first".into(),
        )
    };
    let snap = store::snapshots::latest_complete(conn)?.ok_or_else(needs_sync)?;
    let org = store::queries::organization(conn, snap)?.ok_or_else(needs_sync)?;
    // The partition of the organization's Identity Center instance (its ARN's second field).
    let partition = store::queries::instances(conn, snap)?
        .first()
        .and_then(|i| i.instance_arn.split(':').nth(1).map(str::to_owned))
        .unwrap_or_else(|| "aws".into());
    Ok(RolePolicies {
        role_name: schedules::EXECUTION_ROLE.into(),
        trust_policy: crate::setup::policies::expiry_trust_policy(&org.management_account_id),
        permissions_policy: crate::setup::policies::expiry_permissions_policy(&partition),
        management_account_id: org.management_account_id,
    })
}

/// Turns expiry by AWS on: AWS checks the expiry role (it refuses to write a schedule
/// whose execution role EventBridge Scheduler cannot assume, so a probe schedule, far in
/// the future and revoking nothing, is written and deleted), then every time-bound grant
/// gets its schedule.
pub async fn enable(conn: &Connection, session: &Session) -> Result<ScheduleReport> {
    crate::provision::require_full(session.access)?;
    let (c, gate) = (&session.management, &session.gate);
    schedules::ensure_group(c, gate).await?;
    let probe = "hallpass-probe";
    let nothing = Revocation {
        api: "ssoadmin:deleteAccountAssignment",
        input: "{}".into(),
    };
    let at = time::OffsetDateTime::now_utc() + time::Duration::days(30);
    schedules::put(
        c,
        gate,
        &session.partition,
        probe,
        at,
        &nothing,
        "Hallpass: a check that the expiry role works (deleted at once)",
    )
    .await?;
    schedules::delete(c, gate, probe).await?;
    set_enabled(conn, true)?;
    reconcile(conn, session).await
}

/// Turns it off: Hallpass's schedules are deleted from AWS; expiries happen only while
/// Hallpass runs. Returns how many were deleted.
pub async fn disable(conn: &Connection, session: &Session) -> Result<usize> {
    crate::provision::require_full(session.access)?;
    let mine = written::list(conn)?;
    for w in &mine {
        schedules::delete(&session.management, &session.gate, &w.name).await?;
        written::forget(conn, &w.name)?;
    }
    set_enabled(conn, false)?;
    Ok(mine.len())
}

/// What one reconciliation did.
#[derive(Debug, Clone, Default, Serialize, TS)]
#[ts(export)]
pub struct ScheduleReport {
    /// Expiries enforced by AWS for this folder (off: only while Hallpass runs).
    pub enabled: bool,
    #[ts(type = "number")]
    pub written: u32,
    #[ts(type = "number")]
    pub deleted: u32,
    /// Schedules that fired while no Hallpass ran (now cleaned up).
    pub fired: Vec<String>,
    /// Schedules in Hallpass's group this folder did not write: reported, left alone.
    pub unknown: Vec<String>,
    /// Why the schedules could not be brought up to date: expiries then happen only
    /// while Hallpass runs, until a later run succeeds.
    pub error: Option<String>,
}

/// The schedule's name for what `granted` holds in `instance_arn`: the same on every
/// machine, within AWS's `[0-9a-zA-Z-_.]{1,64}` (CreateSchedule API reference, Name).
pub fn schedule_name(instance_arn: &str, granted: &Granted) -> String {
    use sha2::{Digest, Sha256};
    let hex: String = Sha256::digest(granted.key(instance_arn).as_bytes())
        .iter()
        .take(24)
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("hallpass-{hex}")
}

/// The schedules the active requests need, by name (the membership id still unknown).
/// Every change Hallpass makes is in the organization's instance, which the expiry role in
/// the management account reaches (changes aimed at account instances are refused).
fn wanted(conn: &Connection) -> Result<BTreeMap<String, Written>> {
    let mut by_name: BTreeMap<String, Vec<grants::GrantRequest>> = BTreeMap::new();
    for g in grants::list(conn, true)? {
        by_name
            .entry(schedule_name(&g.instance_arn, &g.granted))
            .or_default()
            .push(g);
    }
    let mut out = BTreeMap::new();
    for (name, requests) in by_name {
        // Kept for good by one of them: no expiry may take it away.
        if requests
            .iter()
            .any(|g| g.standing || g.expires_at.is_none())
        {
            continue;
        }
        let Some(latest) = requests
            .iter()
            .filter_map(|g| g.expires_at.as_deref().and_then(parse_rfc3339))
            .max()
        else {
            continue;
        };
        let first = &requests[0];
        out.insert(
            name.clone(),
            Written {
                name,
                instance_arn: first.instance_arn.clone(),
                granted: first.granted.clone(),
                membership_id: None,
                fire_at: rfc3339(latest),
            },
        );
    }
    Ok(out)
}

/// The call AWS makes at the schedule's time. A membership's needs its id (`w`'s, filled
/// in by `reconcile`).
fn revocation(w: &Written) -> Option<Revocation> {
    match &w.granted {
        Granted::Assignment(a) => Some(Revocation {
            api: "ssoadmin:deleteAccountAssignment",
            input: serde_json::json!({
                "InstanceArn": w.instance_arn,
                "TargetId": a.account_id,
                "TargetType": "AWS_ACCOUNT",
                "PermissionSetArn": a.permission_set_arn,
                "PrincipalType": a.principal_type.as_str(),
                "PrincipalId": a.principal_id,
            })
            .to_string(),
        }),
        Granted::Membership(m) => Some(Revocation {
            api: "identitystore:deleteGroupMembership",
            input: serde_json::json!({
                "IdentityStoreId": m.identity_store_id,
                "MembershipId": w.membership_id.as_deref()?,
            })
            .to_string(),
        }),
    }
}

/// The schedule's description, with ids only (names are for this machine's eyes).
fn description(w: &Written) -> String {
    match &w.granted {
        Granted::Assignment(a) => {
            let kind = match a.principal_type {
                PrincipalType::User => "user",
                PrincipalType::Group => "group",
            };
            format!(
                "Hallpass: ends time-bound access of {kind} {} to account {} at {}",
                a.principal_id, a.account_id, w.fire_at
            )
        }
        Granted::Membership(m) => format!(
            "Hallpass: ends time-bound membership of user {} in group {} at {}",
            m.principal_id, m.group_id, w.fire_at
        ),
    }
}

/// `reconcile`, with a failure reported rather than failing the run that called it: the
/// changes of that run are done, and the next run tries the schedules again.
pub async fn after_run(conn: &Connection, session: &Session) -> ScheduleReport {
    match reconcile(conn, session).await {
        Ok(r) => r,
        Err(e) => {
            crate::logs::warn(format!("expiry schedules not brought up to date: {e}"));
            ScheduleReport {
                enabled: true,
                error: Some(e.to_string()),
                ..Default::default()
            }
        }
    }
}

/// Makes AWS's schedules match the active requests (see the module's header). Does nothing
/// when expiry by AWS is off or the connection is read-only.
pub async fn reconcile(conn: &Connection, session: &Session) -> Result<ScheduleReport> {
    let mut report = ScheduleReport {
        enabled: enabled(conn)?,
        ..Default::default()
    };
    if !report.enabled || session.access != AccessLevel::Full {
        return Ok(report);
    }
    let c = &session.management;
    let gate = &session.gate;
    schedules::ensure_group(c, gate).await?;
    let in_aws: HashSet<String> = schedules::list(c, gate).await?.into_iter().collect();
    let mine: BTreeMap<String, Written> = written::list(conn)?
        .into_iter()
        .map(|w| (w.name.clone(), w))
        .collect();
    let mut wanted = wanted(conn)?;
    let now = time::OffsetDateTime::now_utc();
    for (name, w) in &mut wanted {
        let Some(at) = parse_rfc3339(&w.fire_at) else {
            continue;
        };
        let at = at.max(now + LEAD);
        if let Granted::Membership(m) = &w.granted {
            // DeleteGroupMembership takes the membership's id, which changes when the user
            // leaves and rejoins the group: read it now, so the schedule never points at a
            // membership that no longer exists.
            let ids =
                crate::aws::changes::memberships_of(c, gate, &m.identity_store_id, &m.principal_id)
                    .await?;
            w.membership_id = ids
                .into_iter()
                .find(|(_, group)| *group == m.group_id)
                .map(|(id, _)| id);
        }
        let Some(call) = revocation(w) else {
            // Not a member (yet: the addition may still be queued): nothing to end now.
            // A schedule written earlier stays until the requests no longer need it.
            continue;
        };
        if in_aws.contains(name)
            && mine
                .get(name)
                .is_some_and(|m| m.fire_at == w.fire_at && m.membership_id == w.membership_id)
        {
            continue;
        }
        schedules::put(
            c,
            gate,
            &session.partition,
            name,
            at,
            &call,
            &description(w),
        )
        .await?;
        written::record(conn, w)?;
        report.written += 1;
    }
    for name in in_aws.iter().filter(|n| !wanted.contains_key(*n)) {
        match mine.get(name) {
            Some(m) => {
                let fired = parse_rfc3339(&m.fire_at).is_some_and(|t| t <= now);
                schedules::delete(c, gate, name).await?;
                written::forget(conn, name)?;
                if fired {
                    report.fired.push(name.clone());
                } else {
                    report.deleted += 1;
                }
            }
            None => report.unknown.push(name.clone()),
        }
    }
    store::set_setting(
        conn,
        UNKNOWN_SETTING,
        &serde_json::to_string(&report.unknown).unwrap_or_else(|_| "[]".into()),
    )?;
    // Written here, gone from AWS and needed by no request: nothing left to track.
    for name in mine.keys() {
        if !in_aws.contains(name) && !wanted.contains_key(name) {
            written::forget(conn, name)?;
        }
    }
    Ok(report)
}

/// Whether AWS's schedule for what `g` holds was due by `at` (it fired, or fires within
/// the minute): the note of an expiry Hallpass records late.
/// `mine`: the schedules this folder wrote (`store::expiry_schedules::list`), read once by
/// the caller for all its requests.
pub fn fired_by_aws(
    mine: &[Written],
    g: &grants::GrantRequest,
    at: time::OffsetDateTime,
) -> Option<String> {
    let name = schedule_name(&g.instance_arn, &g.granted);
    mine.iter()
        .find(|w| w.name == name)
        .filter(|w| parse_rfc3339(&w.fire_at).is_some_and(|t| t <= at))
        .map(|w| w.fire_at.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::operation::{AssignmentSpec, MembershipSpec};

    const INSTANCE: &str = "arn:aws:sso:::instance/ssoins-1";

    fn assignment(principal: &str) -> Granted {
        Granted::Assignment(AssignmentSpec {
            account_id: "111111111111".into(),
            account_name: Some("prod".into()),
            permission_set_arn: "ps".into(),
            permission_set_name: None,
            principal_type: PrincipalType::User,
            principal_id: principal.into(),
            principal_name: None,
        })
    }

    #[test]
    fn a_schedule_name_is_stable_and_fits_aws() {
        let a = schedule_name(INSTANCE, &assignment("u-1"));
        assert_eq!(a, schedule_name(INSTANCE, &assignment("u-1")));
        assert_ne!(a, schedule_name(INSTANCE, &assignment("u-2")));
        assert!(a.len() <= 64, "{a}");
        assert!(a
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)));
    }

    #[test]
    fn an_assignment_keeps_the_schedule_name_written_before_memberships_could_expire() {
        // Schedules written by the version before migration 0012 were named after
        // "instance\naccount\npermission set\nprincipal"; a rename would orphan them.
        use sha2::{Digest, Sha256};
        let old: String = Sha256::digest(format!("{INSTANCE}\n111111111111\nps\nu-1").as_bytes())
            .iter()
            .take(24)
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(
            schedule_name(INSTANCE, &assignment("u-1")),
            format!("hallpass-{old}")
        );
    }

    #[test]
    fn a_membership_has_its_own_schedule_name() {
        let m = |group: &str| {
            Granted::Membership(MembershipSpec {
                identity_store_id: "d-1".into(),
                principal_id: "u-1".into(),
                principal_name: None,
                group_id: group.into(),
                group_name: None,
            })
        };
        assert_ne!(
            schedule_name(INSTANCE, &m("g-1")),
            schedule_name(INSTANCE, &m("g-2"))
        );
        assert_ne!(
            schedule_name(INSTANCE, &m("g-1")),
            schedule_name(INSTANCE, &assignment("u-1"))
        );
        // Names are kept for people, not part of what it is.
        let mut named = m("g-1");
        if let Granted::Membership(x) = &mut named {
            x.group_name = Some("oncall".into());
        }
        assert_eq!(
            schedule_name(INSTANCE, &named),
            schedule_name(INSTANCE, &m("g-1"))
        );
    }

    #[test]
    fn a_membership_schedule_deletes_the_membership_by_its_id() {
        let mut w = Written {
            name: "n".into(),
            instance_arn: INSTANCE.into(),
            granted: Granted::Membership(MembershipSpec {
                identity_store_id: "d-1".into(),
                principal_id: "u-1".into(),
                principal_name: None,
                group_id: "g-1".into(),
                group_name: None,
            }),
            membership_id: None,
            fire_at: "2026-12-01T00:00:00Z".into(),
        };
        assert!(revocation(&w).is_none(), "no id: nothing to delete yet");
        w.membership_id = Some("m-1".into());
        let r = revocation(&w).unwrap();
        assert_eq!(r.api, "identitystore:deleteGroupMembership");
        let input: serde_json::Value = serde_json::from_str(&r.input).unwrap();
        assert_eq!(
            input,
            serde_json::json!({"IdentityStoreId": "d-1", "MembershipId": "m-1"})
        );
    }
}
