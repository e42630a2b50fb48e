//! Read queries over one snapshot: entity lists, counts, effective access.

use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension};

pub use super::access_sql::account_grants;
pub use super::entity_tables::DelegatedAdmin;
use super::versioned::{read_at, read_where};
use crate::error::{Error, Result};
use crate::model::*;

pub fn organization(conn: &Connection, snap: i64) -> Result<Option<Organization>> {
    Ok(read_at::<Organization>(conn, snap)?.into_iter().next())
}

pub fn ous(conn: &Connection, snap: i64) -> Result<Vec<OrgUnit>> {
    read_at(conn, snap)
}

pub fn accounts(conn: &Connection, snap: i64) -> Result<Vec<Account>> {
    read_at(conn, snap)
}

pub fn delegated_admins(conn: &Connection, snap: i64) -> Result<Vec<String>> {
    Ok(read_at::<DelegatedAdmin>(conn, snap)?
        .into_iter()
        .map(|d| d.0)
        .collect())
}

pub fn instances(conn: &Connection, snap: i64) -> Result<Vec<Instance>> {
    read_at(conn, snap)
}

pub fn permission_sets(conn: &Connection, snap: i64) -> Result<Vec<PermissionSet>> {
    read_at(conn, snap)
}

pub fn provisioned(conn: &Connection, snap: i64) -> Result<Vec<Provisioned>> {
    read_at(conn, snap)
}

pub fn users(conn: &Connection, snap: i64) -> Result<Vec<User>> {
    read_at(conn, snap)
}

pub fn groups(conn: &Connection, snap: i64) -> Result<Vec<Group>> {
    read_at(conn, snap)
}

pub fn memberships(conn: &Connection, snap: i64) -> Result<Vec<Membership>> {
    read_at(conn, snap)
}

pub fn assignments(conn: &Connection, snap: i64) -> Result<Vec<Assignment>> {
    read_at(conn, snap)
}

/// How many assignment rows each principal holds in `snap` (to predict listing costs).
pub fn assignment_rows(
    conn: &Connection,
    snap: i64,
) -> Result<HashMap<(PrincipalType, String), usize>> {
    let mut stmt = conn.prepare(
        "SELECT principal_type, principal_id, COUNT(*) FROM assignments \
         WHERE valid_from <= ?1 AND (valid_to IS NULL OR valid_to > ?1) \
         GROUP BY principal_type, principal_id",
    )?;
    let rows = stmt.query_map([snap], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    let mut out = HashMap::new();
    for row in rows {
        let (kind, id, n) = row?;
        let kind = PrincipalType::parse(&kind)
            .ok_or_else(|| super::unknown_value(0, "principal type", &kind))?;
        out.insert((kind, id), n as usize);
    }
    Ok(out)
}

/// The newest member-account scan as of `snap` (which accounts could be entered, and why not).
pub fn member_access(conn: &Connection, snap: i64) -> Result<Vec<MemberAccess>> {
    read_at(conn, snap)
}

/// Everything the snapshot holds, as a sync would have read it.
pub fn org_data(conn: &Connection, snap: i64) -> Result<OrgData> {
    Ok(OrgData {
        organization: organization(conn, snap)?,
        ous: ous(conn, snap)?,
        accounts: accounts(conn, snap)?,
        delegated_admins: delegated_admins(conn, snap)?,
        instances: instances(conn, snap)?,
        permission_sets: permission_sets(conn, snap)?,
        provisioned: provisioned(conn, snap)?,
        users: users(conn, snap)?,
        groups: groups(conn, snap)?,
        memberships: memberships(conn, snap)?,
        assignments: assignments(conn, snap)?,
        member_scan: None,
    })
}

pub fn counts(conn: &Connection, snap: i64) -> Result<Counts> {
    let count = |table: &str| -> Result<u64> {
        Ok(conn.query_row(
            &format!(
                "SELECT COUNT(*) FROM {table} WHERE valid_from <= ?1 AND (valid_to IS NULL OR valid_to > ?1)"
            ),
            [snap],
            |r| r.get::<_, i64>(0),
        )? as u64)
    };
    Ok(Counts {
        accounts: count("accounts")?,
        ous: count("ous")?,
        instances: count("instances")?,
        permission_sets: count("permission_sets")?,
        users: count("dir_users")?,
        groups: count("dir_groups")?,
        memberships: count("dir_memberships")?,
        assignments: count("assignments")?,
    })
}

/// Whose effective access to show.
#[derive(Debug, Clone)]
pub enum AccessQuery {
    /// Users with this user name (one per identity store).
    User(String),
    /// Groups with this display name.
    Group(String),
    Account(String),
    UserId(String),
    GroupId(String),
    /// Where a permission set is assigned, to whom as assigned (groups not expanded).
    PermissionSet(String),
}

/// Account and permission-set names of snapshot `snap`.
fn names_of(conn: &Connection, snap: i64) -> Result<Names> {
    let mut n = Names::default();
    n.add(
        &accounts(conn, snap)?,
        &permission_sets(conn, snap)?,
        &[],
        &[],
    );
    Ok(n)
}

/// One line of access from assignment `a`, named.
fn named_row(
    names: &Names,
    a: &Assignment,
    principal_type: PrincipalType,
    principal_name: &str,
    via_group: Option<&str>,
) -> AccessRow {
    AccessRow {
        account_id: a.account_id.clone(),
        account_name: names.account_name(&a.account_id).map(str::to_owned),
        permission_set: names.set(&a.permission_set_arn),
        principal_type,
        principal_name: principal_name.to_owned(),
        via_group: via_group.map(str::to_owned),
        instance_arn: a.instance_arn.clone(),
        principal_id: a.principal_id.clone(),
        permission_set_arn: a.permission_set_arn.clone(),
        via_group_id: None,
    }
}

fn assignments_of(
    conn: &Connection,
    snap: i64,
    kind: PrincipalType,
    id: &str,
) -> Result<Vec<Assignment>> {
    read_where(
        conn,
        snap,
        "principal_id = ?2 AND principal_type = ?3",
        &[&id, &kind.as_str()],
    )
}

fn group_by_id(conn: &Connection, snap: i64, id: &str) -> Result<Option<Group>> {
    Ok(read_where::<Group>(conn, snap, "group_id = ?2", &[&id])?
        .into_iter()
        .next())
}

fn user_by_id(conn: &Connection, snap: i64, id: &str) -> Result<Option<User>> {
    Ok(read_where::<User>(conn, snap, "user_id = ?2", &[&id])?
        .into_iter()
        .next())
}

/// The groups a user is a member of in `snap`.
pub fn groups_of_user(conn: &Connection, snap: i64, user_id: &str) -> Result<Vec<Group>> {
    let mut groups = Vec::new();
    for m in read_where::<Membership>(conn, snap, "user_id = ?2", &[&user_id])? {
        if let Some(g) = group_by_id(conn, snap, &m.group_id)? {
            groups.push(g);
        }
    }
    groups.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    Ok(groups)
}

/// The members of a group in `snap`.
pub fn members_of_group(conn: &Connection, snap: i64, group_id: &str) -> Result<Vec<User>> {
    let mut users = Vec::new();
    for m in read_where::<Membership>(conn, snap, "group_id = ?2", &[&group_id])? {
        if let Some(u) = user_by_id(conn, snap, &m.user_id)? {
            users.push(u);
        }
    }
    users.sort_by(|a, b| a.user_name.cmp(&b.user_name));
    Ok(users)
}

/// Effective access in `snap`: which account, which permission set, direct or through which group.
pub fn access(conn: &Connection, snap: i64, query: &AccessQuery) -> Result<Vec<AccessRow>> {
    let names = || names_of(conn, snap);
    let mut rows = Vec::new();
    match query {
        AccessQuery::User(name) => {
            let users = read_where::<User>(conn, snap, "user_name = ?2", &[name])?;
            if users.is_empty() {
                return Err(Error::NotFound(format!(
                    "no user named {name:?} in snapshot {snap}; `hallpass show users` lists them"
                )));
            }
            for user in &users {
                rows.extend(super::access_sql::user(
                    conn,
                    snap,
                    &user.user_id,
                    &user.user_name,
                )?);
            }
        }
        AccessQuery::UserId(id) => {
            let user = user_by_id(conn, snap, id)?.ok_or_else(|| {
                Error::NotFound(format!("no user with id {id} in snapshot {snap}"))
            })?;
            rows = super::access_sql::user(conn, snap, &user.user_id, &user.user_name)?;
        }
        AccessQuery::GroupId(id) => {
            let names = names()?;
            let g = group_by_id(conn, snap, id)?.ok_or_else(|| {
                Error::NotFound(format!("no group with id {id} in snapshot {snap}"))
            })?;
            for a in assignments_of(conn, snap, PrincipalType::Group, &g.group_id)? {
                rows.push(named_row(
                    &names,
                    &a,
                    PrincipalType::Group,
                    &g.display_name,
                    None,
                ));
            }
        }
        AccessQuery::PermissionSet(arn) => {
            let names = names()?;
            for a in read_where::<Assignment>(conn, snap, "permission_set_arn = ?2", &[arn])? {
                let name = match a.principal_type {
                    PrincipalType::User => {
                        user_by_id(conn, snap, &a.principal_id)?.map(|u| u.user_name)
                    }
                    PrincipalType::Group => {
                        group_by_id(conn, snap, &a.principal_id)?.map(|g| g.display_name)
                    }
                }
                .unwrap_or_else(|| a.principal_id.clone());
                rows.push(named_row(&names, &a, a.principal_type, &name, None));
            }
        }
        AccessQuery::Group(name) => {
            let names = names()?;
            let groups = read_where::<Group>(conn, snap, "display_name = ?2", &[name])?;
            if groups.is_empty() {
                return Err(Error::NotFound(format!(
                    "no group named {name:?} in snapshot {snap}; `hallpass show groups` lists them"
                )));
            }
            for g in &groups {
                for a in assignments_of(conn, snap, PrincipalType::Group, &g.group_id)? {
                    rows.push(named_row(
                        &names,
                        &a,
                        PrincipalType::Group,
                        &g.display_name,
                        None,
                    ));
                }
            }
        }
        AccessQuery::Account(id) => {
            let known: Option<String> = conn
                .query_row(
                    "SELECT id FROM accounts WHERE id = ?2 AND valid_from <= ?1 AND (valid_to IS NULL OR valid_to > ?1)",
                    rusqlite::params![snap, id],
                    |r| r.get(0),
                )
                .optional()?;
            if known.is_none() {
                return Err(Error::NotFound(format!(
                    "no account {id} in snapshot {snap}; `hallpass show accounts` lists them"
                )));
            }
            rows = super::access_sql::account(conn, snap, id)?;
        }
    }
    rows.sort();
    rows.dedup();
    Ok(rows)
}
