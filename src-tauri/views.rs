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
    Ok(UserDetail {
        groups: q::groups_of_user(conn, id, user_id)?,
        access: q::access(conn, id, &AccessQuery::UserId(user_id.to_owned()))?,
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
pub fn policy_documents(caller_arn: &str, external_id: &str) -> Result<PolicyDocuments> {
    crate::setup::validate_external_id(external_id)?;
    let partition = caller_arn
        .split(':')
        .nth(1)
        .filter(|p| !p.is_empty())
        .unwrap_or("aws");
    Ok(PolicyDocuments {
        trust_policy: crate::setup::policies::trust_policy(caller_arn, external_id),
        permissions_policy: crate::setup::policies::permissions_policy(partition),
    })
}
