//! `hallpass show <what>`: entity lists of one snapshot.

use std::collections::HashMap;

use rusqlite::Connection;

use super::args::ShowKind;
use super::output::{json, table};
use crate::error::Result;
use crate::model::Names;
use crate::store::queries as q;

/// User, group and permission-set names of the snapshot.
fn names_of(conn: &Connection, snap: i64) -> Result<Names> {
    let mut n = Names::default();
    n.add(
        &[],
        &q::permission_sets(conn, snap)?,
        &q::users(conn, snap)?,
        &q::groups(conn, snap)?,
    );
    Ok(n)
}

/// The name, or the id itself when the snapshot has no such entity.
fn or_id(name: Option<&str>, id: &str) -> String {
    name.unwrap_or(id).to_owned()
}

pub fn show(conn: &Connection, snap: i64, what: ShowKind, as_json: bool) -> Result<()> {
    match what {
        ShowKind::Accounts => {
            let list = q::accounts(conn, snap)?;
            if as_json {
                json(&list);
                return Ok(());
            }
            let ous: HashMap<String, String> = q::ous(conn, snap)?
                .into_iter()
                .map(|o| (o.id, o.name))
                .collect();
            let rows = list
                .iter()
                .map(|a| {
                    vec![
                        a.id.clone(),
                        a.name.clone(),
                        ous.get(&a.parent_id)
                            .cloned()
                            .unwrap_or_else(|| a.parent_id.clone()),
                        a.status.clone().unwrap_or_default(),
                        a.email.clone().unwrap_or_default(),
                    ]
                })
                .collect::<Vec<_>>();
            table(&["ID", "NAME", "OU", "STATE", "EMAIL"], &rows);
        }
        ShowKind::Ous => {
            let list = q::ous(conn, snap)?;
            if as_json {
                json(&list);
                return Ok(());
            }
            let rows = list
                .iter()
                .map(|o| {
                    vec![
                        o.id.clone(),
                        o.name.clone(),
                        o.parent_id.clone().unwrap_or_else(|| "(root)".into()),
                    ]
                })
                .collect::<Vec<_>>();
            table(&["ID", "NAME", "PARENT"], &rows);
        }
        ShowKind::Instances => {
            let list = q::instances(conn, snap)?;
            if as_json {
                json(&list);
                return Ok(());
            }
            let rows = list
                .iter()
                .map(|i| {
                    vec![
                        i.instance_arn.clone(),
                        i.identity_store_id.clone(),
                        i.owner_account_id.clone(),
                        if i.regions.is_empty() {
                            i.region.clone()
                        } else {
                            i.regions.join(", ")
                        },
                        match i.source {
                            crate::model::InstanceSource::Organization => "organization".to_owned(),
                            crate::model::InstanceSource::Account => {
                                "account (applications only)".to_owned()
                            }
                        },
                        i.administered_by.clone().unwrap_or_default(),
                    ]
                })
                .collect::<Vec<_>>();
            table(
                &[
                    "INSTANCE",
                    "IDENTITY STORE",
                    "OWNER",
                    "REGIONS",
                    "KIND",
                    "ADMINISTERED BY",
                ],
                &rows,
            );
        }
        ShowKind::PermissionSets => {
            let list = q::permission_sets(conn, snap)?;
            if as_json {
                json(&list);
                return Ok(());
            }
            let rows = list
                .iter()
                .map(|p| {
                    vec![
                        p.name.clone(),
                        p.session_duration.clone().unwrap_or_default(),
                        if p.inline_policy.is_some() {
                            "yes".into()
                        } else {
                            "".into()
                        },
                        p.managed_policies.len().to_string(),
                        p.customer_managed_policies.len().to_string(),
                        if p.permissions_boundary.is_some() {
                            "yes".into()
                        } else {
                            "".into()
                        },
                        p.arn.clone(),
                    ]
                })
                .collect::<Vec<_>>();
            table(
                &[
                    "NAME", "SESSION", "INLINE", "MANAGED", "CUSTOMER", "BOUNDARY", "ARN",
                ],
                &rows,
            );
        }
        ShowKind::Users => {
            let list = q::users(conn, snap)?;
            if as_json {
                json(&list);
                return Ok(());
            }
            let rows = list
                .iter()
                .map(|u| {
                    vec![
                        u.user_name.clone(),
                        u.display_name.clone().unwrap_or_default(),
                        u.email.clone().unwrap_or_default(),
                        u.identity_store_id.clone(),
                        u.user_id.clone(),
                    ]
                })
                .collect::<Vec<_>>();
            table(
                &["USER NAME", "DISPLAY NAME", "EMAIL", "IDENTITY STORE", "ID"],
                &rows,
            );
        }
        ShowKind::Groups => {
            let list = q::groups(conn, snap)?;
            if as_json {
                json(&list);
                return Ok(());
            }
            let rows = list
                .iter()
                .map(|g| {
                    vec![
                        g.display_name.clone(),
                        g.description.clone().unwrap_or_default(),
                        g.identity_store_id.clone(),
                        g.group_id.clone(),
                    ]
                })
                .collect::<Vec<_>>();
            table(&["GROUP", "DESCRIPTION", "IDENTITY STORE", "ID"], &rows);
        }
        ShowKind::Memberships => {
            let list = q::memberships(conn, snap)?;
            if as_json {
                json(&list);
                return Ok(());
            }
            let names = names_of(conn, snap)?;
            let rows = list
                .iter()
                .map(|m| {
                    vec![
                        or_id(names.group(&m.group_id), &m.group_id),
                        or_id(names.user(&m.user_id), &m.user_id),
                    ]
                })
                .collect::<Vec<_>>();
            table(&["GROUP", "USER"], &rows);
        }
        ShowKind::Assignments => {
            let list = q::assignments(conn, snap)?;
            if as_json {
                json(&list);
                return Ok(());
            }
            let names = names_of(conn, snap)?;
            let rows = list
                .iter()
                .map(|a| {
                    vec![
                        a.account_id.clone(),
                        names.set(&a.permission_set_arn),
                        a.principal_type.as_str().to_owned(),
                        or_id(
                            names.principal(a.principal_type, &a.principal_id),
                            &a.principal_id,
                        ),
                    ]
                })
                .collect::<Vec<_>>();
            table(&["ACCOUNT", "PERMISSION SET", "TYPE", "PRINCIPAL"], &rows);
        }
        ShowKind::MemberAccess => {
            let list = q::member_access(conn, snap)?;
            if as_json {
                json(&list);
                return Ok(());
            }
            let rows = list
                .iter()
                .map(|m| {
                    vec![
                        m.account_id.clone(),
                        if m.reachable {
                            "entered".into()
                        } else {
                            "refused".into()
                        },
                        if m.holds_instance {
                            "yes".into()
                        } else {
                            "".into()
                        },
                        m.detail.clone().unwrap_or_default(),
                    ]
                })
                .collect::<Vec<_>>();
            table(&["ACCOUNT", "ROLE", "INSTANCE", "DETAIL"], &rows);
        }
    }
    Ok(())
}
