//! Effective access of a user or an account in one SQL statement each: the joins run
//! inside SQLite on its indexes instead of one lookup per row from Rust.

use rusqlite::Connection;

use crate::error::Result;
use crate::model::{AccessRow, AccountGrant};

/// `x` is visible in the snapshot `?1`.
fn v(x: &str) -> String {
    format!("{x}.valid_from <= ?1 AND ({x}.valid_to IS NULL OR {x}.valid_to > ?1)")
}

fn names_joins() -> String {
    format!(
        "LEFT JOIN accounts acc ON acc.id = a.account_id AND {acc}
         LEFT JOIN permission_sets ps ON ps.arn = a.permission_set_arn AND {ps}",
        acc = v("acc"),
        ps = v("ps")
    )
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AccessRow> {
    Ok(AccessRow {
        account_id: r.get(0)?,
        account_name: r.get(1)?,
        permission_set: r.get(2)?,
        principal_type: super::principal_type_at(r, 3)?,
        principal_name: r.get(4)?,
        via_group: r.get(5)?,
        instance_arn: r.get(6)?,
        principal_id: r.get(7)?,
        permission_set_arn: r.get(8)?,
        via_group_id: r.get(9)?,
    })
}

/// A user's direct assignments and those of every group they are in.
pub fn user(
    conn: &Connection,
    snap: i64,
    user_id: &str,
    user_name: &str,
) -> Result<Vec<AccessRow>> {
    let names = names_joins();
    let sql = format!(
        "SELECT a.account_id, acc.name, COALESCE(ps.name, a.permission_set_arn), 'USER', ?3, NULL, a.instance_arn,
                ?2, a.permission_set_arn, NULL
           FROM assignments a {names}
          WHERE a.principal_id = ?2 AND a.principal_type = 'USER' AND {va}
         UNION ALL
         SELECT a.account_id, acc.name, COALESCE(ps.name, a.permission_set_arn), 'USER', ?3, g.display_name, a.instance_arn,
                ?2, a.permission_set_arn, g.group_id
           FROM dir_memberships m
           JOIN dir_groups g ON g.group_id = m.group_id AND {vg}
           JOIN assignments a ON a.principal_id = m.group_id AND a.principal_type = 'GROUP' AND {va}
           {names}
          WHERE m.user_id = ?2 AND {vm}",
        va = v("a"),
        vg = v("g"),
        vm = v("m"),
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params![snap, user_id, user_name], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Everyone who reaches an account: users assigned directly, every member of an
/// assigned group, and an assigned group with no members as itself.
pub fn account(conn: &Connection, snap: i64, account_id: &str) -> Result<Vec<AccessRow>> {
    let names = names_joins();
    let sql = format!(
        "SELECT a.account_id, acc.name, COALESCE(ps.name, a.permission_set_arn), 'USER',
                COALESCE(u.user_name, a.principal_id), NULL, a.instance_arn,
                a.principal_id, a.permission_set_arn, NULL
           FROM assignments a
           LEFT JOIN dir_users u ON u.user_id = a.principal_id AND {vu}
           {names}
          WHERE a.account_id = ?2 AND a.principal_type = 'USER' AND {va}
         UNION ALL
         SELECT a.account_id, acc.name, COALESCE(ps.name, a.permission_set_arn), 'USER',
                COALESCE(u.user_name, m.user_id), COALESCE(g.display_name, a.principal_id), a.instance_arn,
                m.user_id, a.permission_set_arn, a.principal_id
           FROM assignments a
           JOIN dir_memberships m ON m.group_id = a.principal_id AND {vm}
           LEFT JOIN dir_users u ON u.user_id = m.user_id AND {vu}
           LEFT JOIN dir_groups g ON g.group_id = a.principal_id AND {vg}
           {names}
          WHERE a.account_id = ?2 AND a.principal_type = 'GROUP' AND {va}
         UNION ALL
         SELECT a.account_id, acc.name, COALESCE(ps.name, a.permission_set_arn), 'GROUP',
                COALESCE(g.display_name, a.principal_id), NULL, a.instance_arn,
                a.principal_id, a.permission_set_arn, NULL
           FROM assignments a
           LEFT JOIN dir_groups g ON g.group_id = a.principal_id AND {vg}
           {names}
          WHERE a.account_id = ?2 AND a.principal_type = 'GROUP' AND {va}
            AND NOT EXISTS (SELECT 1 FROM dir_memberships m WHERE m.group_id = a.principal_id AND {vm})",
        va = v("a"),
        vg = v("g"),
        vm = v("m"),
        vu = v("u"),
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params![snap, account_id], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// An account's access at the level it is granted: one row per assignment, a group
/// with how many members it has (who they are is `user` / the group's members, on
/// demand). Tens of rows where the expanded list has tens of thousands.
pub fn account_grants(conn: &Connection, snap: i64, account_id: &str) -> Result<Vec<AccountGrant>> {
    let names = names_joins();
    let sql = format!(
        "SELECT COALESCE(ps.name, a.permission_set_arn), a.principal_type, a.principal_id,
                COALESCE(u.user_name, g.display_name, a.principal_id),
                CASE a.principal_type WHEN 'GROUP' THEN
                    (SELECT COUNT(*) FROM dir_memberships m WHERE m.group_id = a.principal_id AND {vm})
                END
           FROM assignments a
           LEFT JOIN dir_users u ON a.principal_type = 'USER' AND u.user_id = a.principal_id AND {vu}
           LEFT JOIN dir_groups g ON a.principal_type = 'GROUP' AND g.group_id = a.principal_id AND {vg}
           {names}
          WHERE a.account_id = ?2 AND {va}",
        va = v("a"),
        vg = v("g"),
        vm = v("m"),
        vu = v("u"),
    );
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params![snap, account_id], |r| {
        Ok(AccountGrant {
            permission_set: r.get(0)?,
            principal_type: super::principal_type_at(r, 1)?,
            principal_id: r.get(2)?,
            principal_name: r.get(3)?,
            members: r.get::<_, Option<i64>>(4)?.map(|n| n as u32),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeSet, HashMap};

    use crate::model::*;
    use crate::store::queries::{access, AccessQuery};

    /// Effective access worked out naively from the organization's data, to compare with.
    fn naive(
        d: &OrgData,
    ) -> (
        HashMap<String, BTreeSet<AccessRow>>,
        HashMap<String, BTreeSet<AccessRow>>,
    ) {
        let acct: HashMap<&str, &str> = d
            .accounts
            .iter()
            .map(|a| (a.id.as_str(), a.name.as_str()))
            .collect();
        let ps: HashMap<&str, &str> = d
            .permission_sets
            .iter()
            .map(|p| (p.arn.as_str(), p.name.as_str()))
            .collect();
        let users: HashMap<&str, &str> = d
            .users
            .iter()
            .map(|u| (u.user_id.as_str(), u.user_name.as_str()))
            .collect();
        let groups: HashMap<&str, &str> = d
            .groups
            .iter()
            .map(|g| (g.group_id.as_str(), g.display_name.as_str()))
            .collect();
        let (mut by_user, mut by_account): (
            HashMap<String, BTreeSet<AccessRow>>,
            HashMap<String, BTreeSet<AccessRow>>,
        ) = Default::default();
        for a in &d.assignments {
            let mk = |pt, id: &str, name: &str, via: Option<(&str, &str)>| AccessRow {
                account_id: a.account_id.clone(),
                account_name: acct.get(a.account_id.as_str()).map(|s| s.to_string()),
                permission_set: ps[a.permission_set_arn.as_str()].to_owned(),
                principal_type: pt,
                principal_name: name.to_owned(),
                via_group: via.map(|v| v.1.to_owned()),
                instance_arn: a.instance_arn.clone(),
                principal_id: id.to_owned(),
                permission_set_arn: a.permission_set_arn.clone(),
                via_group_id: via.map(|v| v.0.to_owned()),
            };
            match a.principal_type {
                PrincipalType::User => {
                    let r = mk(
                        PrincipalType::User,
                        &a.principal_id,
                        users[a.principal_id.as_str()],
                        None,
                    );
                    by_user
                        .entry(a.principal_id.clone())
                        .or_default()
                        .insert(r.clone());
                    by_account
                        .entry(a.account_id.clone())
                        .or_default()
                        .insert(r);
                }
                PrincipalType::Group => {
                    let g = groups[a.principal_id.as_str()];
                    let members: Vec<&Membership> = d
                        .memberships
                        .iter()
                        .filter(|m| m.group_id == a.principal_id)
                        .collect();
                    if members.is_empty() {
                        by_account
                            .entry(a.account_id.clone())
                            .or_default()
                            .insert(mk(PrincipalType::Group, &a.principal_id, g, None));
                    }
                    for m in members {
                        let r = mk(
                            PrincipalType::User,
                            &m.user_id,
                            users[m.user_id.as_str()],
                            Some((&a.principal_id, g)),
                        );
                        by_user
                            .entry(m.user_id.clone())
                            .or_default()
                            .insert(r.clone());
                        by_account
                            .entry(a.account_id.clone())
                            .or_default()
                            .insert(r);
                    }
                }
            }
        }
        (by_user, by_account)
    }

    #[test]
    fn the_sql_agrees_with_a_naive_walk_for_every_user_and_account() {
        let dir = tempfile::tempdir().unwrap();
        crate::demo::ensure(dir.path()).unwrap();
        let conn = crate::store::open(dir.path()).unwrap();
        let d = crate::demo::organization();
        let (by_user, by_account) = naive(&d);
        for u in &d.users {
            let got: BTreeSet<AccessRow> =
                access(&conn, 1, &AccessQuery::UserId(u.user_id.clone()))
                    .unwrap()
                    .into_iter()
                    .collect();
            assert_eq!(
                got,
                by_user.get(&u.user_id).cloned().unwrap_or_default(),
                "{}",
                u.user_name
            );
        }
        for a in &d.accounts {
            let rows = access(&conn, 1, &AccessQuery::Account(a.id.clone())).unwrap();
            let got: BTreeSet<AccessRow> = rows.iter().cloned().collect();
            assert_eq!(got.len(), rows.len(), "no duplicates");
            assert_eq!(
                got,
                by_account.get(&a.id).cloned().unwrap_or_default(),
                "{}",
                a.name
            );
        }
    }

    #[test]
    fn an_accounts_grants_add_up_to_its_expanded_access() {
        let dir = tempfile::tempdir().unwrap();
        crate::demo::ensure(dir.path()).unwrap();
        let conn = crate::store::open(dir.path()).unwrap();
        let d = crate::demo::organization();
        for a in &d.accounts {
            let grants = super::account_grants(&conn, 1, &a.id).unwrap();
            let assigned = d
                .assignments
                .iter()
                .filter(|x| x.account_id == a.id)
                .count();
            assert_eq!(
                grants.len(),
                assigned,
                "one row per assignment of {}",
                a.name
            );
            for g in &grants {
                let expected = (g.principal_type == PrincipalType::Group).then(|| {
                    d.memberships
                        .iter()
                        .filter(|m| m.group_id == g.principal_id)
                        .count() as u32
                });
                assert_eq!(g.members, expected, "{}", g.principal_name);
            }
            // Each group's members (or the empty group itself) plus each user: the expanded rows.
            let expanded: usize = grants
                .iter()
                .map(|g| g.members.map_or(1, |n| n.max(1) as usize))
                .sum();
            let rows = access(&conn, 1, &AccessQuery::Account(a.id.clone())).unwrap();
            assert_eq!(expanded, rows.len(), "{}", a.name);
        }
    }
}
