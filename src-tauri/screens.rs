//! What the app's screens show, assembled from the store's queries (no Tauri here).

use rusqlite::Connection;
use serde::Serialize;
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::model::*;
use crate::store::queries::{self as q, AccessQuery};
use crate::store::snapshots;

#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct OrgTree {
    #[ts(type = "number")]
    pub snapshot_id: i64,
    pub ous: Vec<OrgUnit>,
    pub accounts: Vec<Account>,
}

#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct People {
    #[ts(type = "number")]
    pub snapshot_id: i64,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
}

#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct UserDetail {
    pub user: User,
    pub groups: Vec<Group>,
    pub access: Vec<AccessRow>,
    /// Each account × permission set the user reaches, with its "Open in AWS console" link.
    pub console: Vec<crate::portal::ConsoleLink>,
}

#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct GroupDetail {
    pub group: Group,
    pub members: Vec<User>,
    pub access: Vec<AccessRow>,
}

#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct PermissionSetDetail {
    pub permission_set: PermissionSet,
    pub assignments: Vec<AccessRow>,
    pub provisioned: Vec<Provisioned>,
}

#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct PolicyDocuments {
    pub trust_policy: String,
    pub permissions_policy: String,
}

pub fn org_tree(conn: &Connection, snap: Option<i64>) -> Result<OrgTree> {
    let id = snapshots::resolve(conn, snap)?;
    let mut accounts = q::accounts(conn, id)?;
    accounts.sort_by(|a, b| a.name.cmp(&b.name));
    let mut ous = q::ous(conn, id)?;
    ous.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(OrgTree {
        snapshot_id: id,
        ous,
        accounts,
    })
}

pub fn account_access(
    conn: &Connection,
    snap: Option<i64>,
    account_id: &str,
) -> Result<Vec<AccessRow>> {
    let id = snapshots::resolve(conn, snap)?;
    q::access(conn, id, &AccessQuery::Account(account_id.to_owned()))
}

/// Who is granted the account, as granted (groups with member counts): what the account
/// view shows first, at once even where the expanded access runs to thousands of rows.
pub fn account_grants(
    conn: &Connection,
    snap: Option<i64>,
    account_id: &str,
) -> Result<Vec<AccountGrant>> {
    let id = snapshots::resolve(conn, snap)?;
    q::account_grants(conn, id, account_id)
}

pub fn people(conn: &Connection, snap: Option<i64>) -> Result<People> {
    let id = snapshots::resolve(conn, snap)?;
    let mut users = q::users(conn, id)?;
    users.sort_by(|a, b| a.user_name.cmp(&b.user_name));
    let mut groups = q::groups(conn, id)?;
    groups.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    Ok(People {
        snapshot_id: id,
        users,
        groups,
    })
}

pub fn user_detail(conn: &Connection, snap: Option<i64>, user_id: &str) -> Result<UserDetail> {
    let id = snapshots::resolve(conn, snap)?;
    let user = q::users(conn, id)?
        .into_iter()
        .find(|u| u.user_id == user_id)
        .ok_or_else(|| Error::NotFound(format!("no user {user_id} in snapshot {id}")))?;
    let access = q::access(conn, id, &AccessQuery::UserId(user_id.to_owned()))?;
    let console = crate::portal::links(
        &q::instances(conn, id)?,
        crate::portal::custom_portal(conn)?.as_deref(),
        &access,
    );
    Ok(UserDetail {
        groups: q::groups_of_user(conn, id, user_id)?,
        access,
        console,
        user,
    })
}

pub fn group_detail(conn: &Connection, snap: Option<i64>, group_id: &str) -> Result<GroupDetail> {
    let id = snapshots::resolve(conn, snap)?;
    let group = q::groups(conn, id)?
        .into_iter()
        .find(|g| g.group_id == group_id)
        .ok_or_else(|| Error::NotFound(format!("no group {group_id} in snapshot {id}")))?;
    Ok(GroupDetail {
        members: q::members_of_group(conn, id, group_id)?,
        access: q::access(conn, id, &AccessQuery::GroupId(group_id.to_owned()))?,
        group,
    })
}

pub fn permission_sets(conn: &Connection, snap: Option<i64>) -> Result<Vec<PermissionSet>> {
    let id = snapshots::resolve(conn, snap)?;
    let mut list = q::permission_sets(conn, id)?;
    list.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(list)
}

/// Results per kind a search shows.
pub const SEARCH_PER_KIND: usize = 8;

/// What matches `query` in the snapshot (the newest when none), timed.
pub fn search(
    conn: &Connection,
    snap: Option<i64>,
    query: &str,
) -> Result<crate::model::SearchResults> {
    let clock = std::time::Instant::now();
    let id = snapshots::resolve(conn, snap)?;
    let hits = crate::store::search::search(conn, id, query, SEARCH_PER_KIND)?;
    Ok(crate::model::SearchResults {
        hits,
        took_ms: clock.elapsed().as_secs_f64() * 1000.0,
    })
}

pub fn permission_set_detail(
    conn: &Connection,
    snap: Option<i64>,
    arn: &str,
) -> Result<PermissionSetDetail> {
    let id = snapshots::resolve(conn, snap)?;
    let permission_set = q::permission_sets(conn, id)?
        .into_iter()
        .find(|p| p.arn == arn)
        .ok_or_else(|| Error::NotFound(format!("no permission set {arn} in snapshot {id}")))?;
    let provisioned = q::provisioned(conn, id)?
        .into_iter()
        .filter(|p| p.permission_set_arn == arn)
        .collect();
    Ok(PermissionSetDetail {
        assignments: q::access(conn, id, &AccessQuery::PermissionSet(arn.to_owned()))?,
        provisioned,
        permission_set,
    })
}

/// The policy documents for the identity `caller_arn`, with `external_id` filled in.
pub fn policy_documents(
    caller_arn: &str,
    external_id: &str,
    level: crate::model::AccessLevel,
) -> Result<PolicyDocuments> {
    crate::setup::validate_external_id(external_id)?;
    let partition = caller_arn
        .split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws");
    Ok(PolicyDocuments {
        trust_policy: crate::setup::policies::trust_policy(caller_arn, external_id),
        permissions_policy: crate::setup::policies::permissions_policy(partition, level),
    })
}

/// One principal's direct assignments as a grid: accounts × the permission sets of its
/// instance, for the bulk matrix.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct AssignmentMatrix {
    #[ts(type = "number")]
    pub snapshot_id: i64,
    pub instance_arn: String,
    pub principal_type: PrincipalType,
    pub principal_name: String,
    pub accounts: Vec<Account>,
    pub permission_sets: Vec<String>,
    /// (account id, permission set name) pairs assigned now.
    pub assigned: Vec<(String, String)>,
}

pub fn assignment_matrix(
    conn: &Connection,
    snap: Option<i64>,
    principal_type: PrincipalType,
    principal_id: &str,
) -> Result<AssignmentMatrix> {
    let id = snapshots::resolve(conn, snap)?;
    let (store, principal_name) = match principal_type {
        PrincipalType::Group => q::groups(conn, id)?
            .into_iter()
            .find(|g| g.group_id == principal_id)
            .map(|g| (g.identity_store_id, g.display_name)),
        PrincipalType::User => q::users(conn, id)?
            .into_iter()
            .find(|u| u.user_id == principal_id)
            .map(|u| (u.identity_store_id, u.user_name)),
    }
    .ok_or_else(|| {
        Error::NotFound(format!(
            "no {} {principal_id} in snapshot {id}",
            principal_type.as_str()
        ))
    })?;
    let instance = q::instances(conn, id)?
        .into_iter()
        .find(|i| i.identity_store_id == store)
        .ok_or_else(|| Error::NotFound(format!("no instance uses identity store {store}")))?;
    let sets: Vec<PermissionSet> = q::permission_sets(conn, id)?
        .into_iter()
        .filter(|p| p.instance_arn == instance.instance_arn)
        .collect();
    let name_of = |arn: &str| sets.iter().find(|p| p.arn == arn).map(|p| p.name.clone());
    let assigned = q::assignments(conn, id)?
        .into_iter()
        .filter(|a| a.principal_id == principal_id && a.instance_arn == instance.instance_arn)
        .filter_map(|a| Some((a.account_id.clone(), name_of(&a.permission_set_arn)?)))
        .collect();
    let mut names: Vec<String> = sets.iter().map(|p| p.name.clone()).collect();
    names.sort();
    let mut accounts = q::accounts(conn, id)?;
    accounts.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(AssignmentMatrix {
        snapshot_id: id,
        instance_arn: instance.instance_arn,
        principal_type,
        principal_name,
        accounts,
        permission_sets: names,
        assigned,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_matrix_shows_each_direct_assignment_of_the_principal_once() {
        let dir = tempfile::tempdir().unwrap();
        crate::demo::ensure(dir.path()).unwrap();
        let conn = crate::store::open(dir.path()).unwrap();
        let org = crate::demo::organization();
        let a = org
            .assignments
            .iter()
            .find(|a| a.principal_type == PrincipalType::Group)
            .unwrap();
        let m = assignment_matrix(&conn, None, PrincipalType::Group, &a.principal_id).unwrap();
        let expected: Vec<_> = org
            .assignments
            .iter()
            .filter(|x| x.principal_id == a.principal_id)
            .collect();
        assert_eq!(m.assigned.len(), expected.len());
        let ps = org
            .permission_sets
            .iter()
            .find(|p| p.arn == a.permission_set_arn)
            .unwrap();
        assert!(m
            .assigned
            .contains(&(a.account_id.clone(), ps.name.clone())));
        assert_eq!(m.accounts.len(), org.accounts.len());
        let err = assignment_matrix(&conn, None, PrincipalType::User, "nobody").unwrap_err();
        assert!(err.to_string().contains("no USER nobody"), "{err}");
    }
}

/// At most this many of each list the overview shows (the page behind it has them all).
const HEALTH_LIST: usize = 10;

/// Who gained or lost access between two snapshots (the newest and the one before).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AccessSince {
    #[ts(type = "number")]
    pub from: i64,
    #[ts(type = "number")]
    pub to: i64,
    pub gained: Vec<crate::review::diff::NamedAssignment>,
    pub lost: Vec<crate::review::diff::NamedAssignment>,
    pub joined: Vec<crate::review::diff::NamedMembership>,
    pub left: Vec<crate::review::diff::NamedMembership>,
    /// Changes beyond the ones listed.
    pub more: u32,
}

/// "Is everything all right?": the newest checks' errors and warnings, the time-bound
/// access in force, the queue's work and what waits for the admin, and who gained or lost
/// access since the previous sync.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Health {
    /// When the newest check run ran (none: never).
    pub checked_at: Option<String>,
    pub findings: Vec<crate::model::finding::Finding>,
    /// Active time-bound grants and memberships, the soonest to end first.
    pub grants: Vec<crate::store::grants::GrantRequest>,
    /// Operations queued or in flight.
    pub in_flight: u32,
    /// Waiting for a fix (the error says which), retried on request.
    pub blocked: Vec<crate::model::operation::Operation>,
    /// Failed in the last seven days (not retried since).
    pub failed: Vec<crate::model::operation::Operation>,
    pub since: Option<AccessSince>,
}

fn first<T>(v: Vec<T>) -> Vec<T> {
    v.into_iter().take(HEALTH_LIST).collect()
}

pub fn health(conn: &Connection) -> Result<Health> {
    use crate::model::finding::Severity;
    use crate::model::operation::OpState;
    let run = crate::store::check_runs::latest(conn)?;
    let mut findings: Vec<_> = run
        .as_ref()
        .map(|r| {
            r.findings
                .iter()
                .filter(|f| f.severity != Severity::Info)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    findings.sort_by_key(|f| f.severity);
    let mut grants: Vec<_> = crate::store::grants::list(conn, true)?
        .into_iter()
        .filter(|g| g.expires_at.is_some())
        .collect();
    grants.sort_by(|a, b| a.expires_at.cmp(&b.expires_at));
    let week_ago = (time::OffsetDateTime::now_utc() - time::Duration::days(7))
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let ops = crate::store::operations::list(conn, None, 1_000)?;
    let in_flight = ops.iter().filter(|o| o.state.is_open()).count() as u32;
    let blocked: Vec<_> = ops
        .iter()
        .filter(|o| o.state == OpState::Blocked)
        .take(HEALTH_LIST)
        .cloned()
        .collect();
    let failed: Vec<_> = ops
        .iter()
        .filter(|o| {
            o.state == OpState::Failed
                && o.finished_at
                    .as_deref()
                    .is_some_and(|t| t >= week_ago.as_str())
        })
        .take(HEALTH_LIST)
        .cloned()
        .collect();
    let since = match snapshots::latest_complete(conn)? {
        Some(to) => match snapshots::previous_complete(conn, to)? {
            Some(from) => {
                let d = crate::review::diff::diff(conn, from, to)?;
                let total = d.assignments_added.len()
                    + d.assignments_removed.len()
                    + d.memberships_added.len()
                    + d.memberships_removed.len();
                let since = AccessSince {
                    from,
                    to,
                    gained: first(d.assignments_added),
                    lost: first(d.assignments_removed),
                    joined: first(d.memberships_added),
                    left: first(d.memberships_removed),
                    more: 0,
                };
                let shown =
                    since.gained.len() + since.lost.len() + since.joined.len() + since.left.len();
                Some(AccessSince {
                    more: (total - shown) as u32,
                    ..since
                })
            }
            None => None,
        },
        None => None,
    };
    Ok(Health {
        checked_at: run.map(|r| r.ran_at),
        findings,
        grants,
        in_flight,
        blocked,
        failed,
        since,
    })
}
