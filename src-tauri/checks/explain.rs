//! "Why does (or doesn't) this user see this account in the access portal?" — walks
//! user → groups → assignments → provisioning and names the missing link
//! (reference 001 §11.1).

use std::collections::HashMap;

use rusqlite::Connection;
use serde::Serialize;
use ts_rs::TS;

use crate::error::{Error, Result};
use crate::model::{Names, PrincipalType};
use crate::store::{queries, snapshots};

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ExplainStep {
    pub label: String,
    pub ok: bool,
    pub detail: String,
}

/// One way the user reaches the account.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AccessPath {
    pub permission_set: String,
    /// `None`: assigned to the user directly.
    pub via_group: Option<String>,
    /// `provisioned`, `outdated` or `not provisioned`.
    pub provisioning: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Explanation {
    #[ts(type = "number")]
    pub snapshot_id: i64,
    pub user: String,
    pub account: String,
    pub sees_account: bool,
    pub steps: Vec<ExplainStep>,
    pub paths: Vec<AccessPath>,
    pub missing_link: Option<String>,
    pub fix: Option<String>,
}

fn step(label: &str, ok: bool, detail: impl Into<String>) -> ExplainStep {
    ExplainStep {
        label: label.into(),
        ok,
        detail: detail.into(),
    }
}

pub fn explain(
    conn: &Connection,
    snap: Option<i64>,
    user: &str,
    account: &str,
) -> Result<Explanation> {
    let id = snapshots::resolve(conn, snap)?;
    let users = queries::users(conn, id)?;
    let u = users
        .iter()
        .find(|x| x.user_id == user || x.user_name == user)
        .or_else(|| {
            users
                .iter()
                .find(|x| x.user_name.eq_ignore_ascii_case(user))
        })
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "unknown user {user:?} in snapshot {id}; `hallpass show users` lists them"
            ))
        })?;
    let accounts = queries::accounts(conn, id)?;
    let a = crate::provision::resolve::account_in(&accounts, account, id)?;
    let mut names = Names::default();
    names.add(
        &[],
        &queries::permission_sets(conn, id)?,
        &[],
        &queries::groups(conn, id)?,
    );
    let groups = queries::groups_of_user(conn, id, &u.user_id)?;
    let mine: std::collections::HashSet<&str> =
        groups.iter().map(|g| g.group_id.as_str()).collect();
    let provisioned: HashMap<String, bool> = queries::provisioned(conn, id)?
        .into_iter()
        .filter(|p| p.account_id == a.id)
        .map(|p| (p.permission_set_arn, p.outdated))
        .collect();
    let on_account: Vec<_> = queries::assignments(conn, id)?
        .into_iter()
        .filter(|x| x.account_id == a.id)
        .collect();
    let mut paths = Vec::new();
    for x in &on_account {
        let via = match x.principal_type {
            PrincipalType::User if x.principal_id == u.user_id => None,
            PrincipalType::Group if mine.contains(x.principal_id.as_str()) => Some(
                names
                    .group(&x.principal_id)
                    .unwrap_or(&x.principal_id)
                    .to_owned(),
            ),
            _ => continue,
        };
        let provisioning = match provisioned.get(&x.permission_set_arn) {
            Some(false) => "provisioned",
            Some(true) => "outdated",
            None => "not provisioned",
        };
        paths.push(AccessPath {
            permission_set: names.set(&x.permission_set_arn),
            via_group: via,
            provisioning: provisioning.into(),
        });
    }
    let account_label = format!("{} ({})", a.name, a.id);
    let mut steps = vec![step(
        "user",
        true,
        format!("{} is in the identity store", u.user_name),
    )];
    steps.push(step(
        "groups",
        !groups.is_empty(),
        if groups.is_empty() {
            "in no group".to_owned()
        } else {
            format!(
                "member of {}",
                groups
                    .iter()
                    .map(|g| g.display_name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
    ));
    let active = a.is_active();
    let live_paths: Vec<&AccessPath> = paths
        .iter()
        .filter(|p| p.provisioning != "not provisioned")
        .collect();
    let (missing_link, fix) = if !active {
        (
            Some(format!("the account {account_label} is {}", a.state())),
            Some("Only ACTIVE accounts appear in the access portal; a suspended or closing account must be reinstated in Organizations first.".to_owned()),
        )
    } else if paths.is_empty() {
        // Who does reach the account: the groups to add the user to.
        let mut candidates: Vec<String> = on_account
            .iter()
            .filter(|x| x.principal_type == PrincipalType::Group)
            .filter_map(|x| {
                Some(format!(
                    "{} ({})",
                    names.group(&x.principal_id)?,
                    names.set_name(&x.permission_set_arn)?
                ))
            })
            .collect();
        candidates.sort();
        candidates.dedup();
        (
            Some(format!(
                "no assignment on {account_label} reaches {}: neither the user nor any of their groups is assigned there",
                u.user_name
            )),
            Some(if candidates.is_empty() {
                format!("Grant a group the user is in a permission set on the account: `hallpass grant --group GROUP --permission-set NAME --account {}`.", a.id)
            } else {
                format!(
                    "Groups with access to this account: {}. Add the user to one (`hallpass member add --group GROUP --user {}`), or grant one of the user's groups.",
                    candidates.join(", "),
                    u.user_name
                )
            }),
        )
    } else if live_paths.is_empty() {
        let names: Vec<&str> = paths.iter().map(|p| p.permission_set.as_str()).collect();
        (
            Some(format!(
                "{} is not provisioned to {account_label}",
                names.join(", ")
            )),
            Some(format!(
                "Reprovision it: `hallpass reprovision --permission-set {}`.",
                names[0]
            )),
        )
    } else {
        (None, None)
    };
    steps.push(step(
        "assignments",
        !paths.is_empty(),
        if paths.is_empty() {
            format!("no assignment on {account_label} for the user or their groups")
        } else {
            format!(
                "{} assignment(s) on {account_label} reach the user",
                paths.len()
            )
        },
    ));
    steps.push(step(
        "provisioning",
        !live_paths.is_empty(),
        if paths.is_empty() {
            "nothing to provision".to_owned()
        } else {
            paths
                .iter()
                .map(|p| format!("{}: {}", p.permission_set, p.provisioning))
                .collect::<Vec<_>>()
                .join(", ")
        },
    ));
    steps.push(step(
        "account",
        active,
        format!("{account_label} is {}", a.state()),
    ));
    Ok(Explanation {
        snapshot_id: id,
        user: u.user_name.clone(),
        account: account_label,
        sees_account: active && !live_paths.is_empty(),
        steps,
        paths,
        missing_link,
        fix,
    })
}
