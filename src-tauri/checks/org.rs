//! Organization and Identity Center checks, from the snapshot alone.

use crate::model::operation::Granted;
use std::collections::{BTreeMap, HashMap, HashSet};

use rusqlite::Connection;

use crate::error::Result;
use crate::model::finding::{Finding, Severity};
use crate::model::{InstanceSource, Names, OrgData, PrincipalType};
use crate::store::queries;

/// How many items a finding lists before it says "and N more".
pub(super) const LIST_MAX: usize = 25;

/// Adds up to LIST_MAX evidence lines, then a count of the rest.
pub(super) fn listed(
    mut f: Finding,
    label: &str,
    items: impl IntoIterator<Item = String>,
) -> Finding {
    let items: Vec<String> = items.into_iter().collect();
    for i in items.iter().take(LIST_MAX) {
        f = f.evidence(label, i.clone());
    }
    if items.len() > LIST_MAX {
        f = f.evidence("and", format!("{} more", items.len() - LIST_MAX));
    }
    f
}

pub fn findings(conn: &Connection, snap: i64, d: &OrgData) -> Result<Vec<Finding>> {
    let names = d.names();
    let mut out = Vec::new();
    out.extend(unreachable_members(conn, snap, d, &names)?);
    out.extend(account_instances(d, &names));
    out.extend(out_of_sync(d, &names));
    out.extend(principals(conn, d, &names)?);
    if d.delegated_admins.is_empty() {
        out.push(
            Finding::new(
                "delegated-admin-not-registered",
                Severity::Warning,
                "No delegated administrator is registered for IAM Identity Center",
                "Register a member account as delegated administrator (Identity Center → Settings → Management, or \
                 `aws organizations register-delegated-administrator --service-principal sso.amazonaws.com \
                 --account-id ACCOUNT`) and keep the management account for break-glass only: AWS advises administering Identity Center \
                 from a delegated administrator account so that fewer people need the management account \
                 (IAM Identity Center user guide, \"Delegated administration\").",
            )
            .evidence("delegated administrators for sso.amazonaws.com", "none"),
        );
    }
    Ok(out)
}

fn unreachable_members(
    conn: &Connection,
    snap: i64,
    d: &OrgData,
    names: &Names,
) -> Result<Vec<Finding>> {
    let scan = queries::member_access(conn, snap)?;
    let refused: Vec<_> = scan.iter().filter(|m| !m.reachable).collect();
    if refused.is_empty() {
        return Ok(vec![]);
    }
    let delegated: HashSet<&str> = d.delegated_admins.iter().map(String::as_str).collect();
    // Everything that gives access to AWS accounts is read from the organization instance
    // through the management account; a member account only matters for the account
    // instance it may hold, so an account that cannot be entered is a warning.
    let f = Finding::new(
        "delegated-instance-unreachable",
        Severity::Warning,
        format!("{} member account(s) cannot be entered through OrganizationAccountAccessRole", refused.len()),
        "Hallpass enters member accounts only to find account instances of IAM Identity Center; access to AWS \
         accounts is read from the organization instance and is complete. To look into an account listed, create \
         the role named exactly OrganizationAccountAccessRole there with a trust policy that allows the management \
         account (arn:aws:iam::MANAGEMENT:root) to assume it (accounts invited into the organization, rather than \
         created by it, do not have it), then run `hallpass sync --full-scan`.",
    );
    Ok(vec![listed(
        f,
        "account",
        refused.iter().map(|m| {
            format!(
                "{}{}: {}",
                names.account(&m.account_id),
                if delegated.contains(m.account_id.as_str()) {
                    " — delegated administrator"
                } else {
                    ""
                },
                m.detail.as_deref().unwrap_or("refused")
            )
        }),
    )])
}

/// Account instances: a posture note, since their users can never get AWS account access.
fn account_instances(d: &OrgData, names: &Names) -> Vec<Finding> {
    let list: Vec<String> = d
        .instances
        .iter()
        .filter(|i| i.source == InstanceSource::Account)
        .map(|i| {
            format!(
                "{} in {} ({})",
                i.instance_arn,
                names.account(&i.owner_account_id),
                i.region
            )
        })
        .collect();
    if list.is_empty() {
        return vec![];
    }
    let f = Finding::new(
        "account-instance",
        Severity::Info,
        format!("{} account instance(s) of IAM Identity Center in member accounts", list.len()),
        "An account instance serves applications in its own account only: its users and groups can never be \
         given access to AWS accounts — only the organization instance can. People who need AWS account access \
         belong in the organization instance (`hallpass user create`); an account instance nobody uses can be \
         deleted from that account's IAM Identity Center console.",
    );
    vec![listed(f, "instance", list)]
}

fn out_of_sync(d: &OrgData, names: &Names) -> Vec<Finding> {
    let mut by_set: BTreeMap<&str, Vec<&str>> = BTreeMap::new();
    for p in d.provisioned.iter().filter(|p| p.outdated) {
        by_set
            .entry(&p.permission_set_arn)
            .or_default()
            .push(&p.account_id);
    }
    by_set
        .into_iter()
        .map(|(arn, accounts)| {
            let name = names.set(arn);
            let f = Finding::new(
                "permission-set-out-of-sync",
                Severity::Warning,
                format!("{name} is not provisioned with its latest version in {} account(s)", accounts.len()),
                format!(
                    "Users in these accounts still get the old policy. Reprovision it to every account it is provisioned \
                     to: `hallpass reprovision --permission-set {name}` or the Reprovision button (waits until AWS \
                     reports it done)."
                ),
            )
            .subject(name)
            .evidence("permission set ARN", arn);
            listed(f, "outdated in", accounts.iter().map(|a| names.account(a)))
        })
        .collect()
}

fn orphan_key(a: &crate::model::Assignment) -> (String, String, String, String) {
    (
        a.instance_arn.clone(),
        a.account_id.clone(),
        a.permission_set_arn.clone(),
        a.principal_id.clone(),
    )
}

fn principals(conn: &Connection, d: &OrgData, names: &Names) -> Result<Vec<Finding>> {
    let mut members: HashMap<&str, usize> = HashMap::new();
    let mut groups_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for m in &d.memberships {
        *members.entry(m.group_id.as_str()).or_default() += 1;
        groups_of
            .entry(m.user_id.as_str())
            .or_default()
            .push(m.group_id.as_str());
    }
    // Direct user grants that are documented exceptions (an active time-bound request) are fine.
    let excepted: HashSet<(String, String, String)> = crate::store::grants::list(conn, true)?
        .into_iter()
        .filter(|g| g.expires_at.is_some() && g.reason.is_some())
        .filter_map(|g| match g.granted {
            Granted::Assignment(a) => Some((a.account_id, a.permission_set_arn, a.principal_id)),
            Granted::Membership(_) => None,
        })
        .collect();
    let mut direct: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut orphans = Vec::new();
    let mut empty: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let mut with_access: HashSet<&str> = HashSet::new();
    let mut groups_with_access: HashSet<&str> = HashSet::new();
    let disabled: HashSet<&str> = d
        .users
        .iter()
        .filter(|u| u.is_disabled())
        .map(|u| u.user_id.as_str())
        .collect();
    let mut disabled_direct: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    let refused = crate::store::operations::unremovable(conn)?;
    let mut kept_by_aws = Vec::new();
    for a in &d.assignments {
        let what = format!(
            "{} on {}",
            names.set(&a.permission_set_arn),
            names.account(&a.account_id)
        );
        match a.principal_type {
            PrincipalType::User => match names.user(&a.principal_id) {
                Some(name) => {
                    with_access.insert(a.principal_id.as_str());
                    if disabled.contains(a.principal_id.as_str()) {
                        disabled_direct.entry(name).or_default().push(what.clone());
                    }
                    let key = (
                        a.account_id.clone(),
                        a.permission_set_arn.clone(),
                        a.principal_id.clone(),
                    );
                    if !excepted.contains(&key) {
                        direct.entry(name).or_default().push(what);
                    }
                }
                None if refused.contains(&orphan_key(a)) => {
                    kept_by_aws.push(format!("USER {}: {what}", a.principal_id))
                }
                None => orphans.push(format!("USER {}: {what}", a.principal_id)),
            },
            PrincipalType::Group => match names.group(&a.principal_id) {
                Some(name) => {
                    groups_with_access.insert(a.principal_id.as_str());
                    if members.get(a.principal_id.as_str()).copied().unwrap_or(0) == 0 {
                        empty.entry(name).or_default().push(what);
                    }
                }
                None if refused.contains(&orphan_key(a)) => {
                    kept_by_aws.push(format!("GROUP {}: {what}", a.principal_id))
                }
                None => orphans.push(format!("GROUP {}: {what}", a.principal_id)),
            },
        }
    }
    let mut out = Vec::new();
    for (user, list) in direct {
        let f = Finding::new(
            "direct-user-assignment",
            Severity::Warning,
            format!("{user} has {} assignment(s) made to the user directly", list.len()),
            "Access that comes through groups unwinds cleanly when people move or leave. Add the user to a group \
             that has this access and revoke the direct assignment — or, for a deliberate exception (break-glass, \
             a short-lived auditor), re-grant it with an owner and an expiry: `hallpass grant --user NAME … \
             --expires 30d --reason \"owner: …\"`.",
        )
        .subject(user);
        out.push(listed(f, "assignment", list));
    }
    if !orphans.is_empty() {
        let f = Finding::new(
            "orphaned-assignment",
            Severity::Warning,
            format!("{} assignment(s) belong to a user or group that no longer exists", orphans.len()),
            "These assignments keep IAM roles provisioned for nobody. Revoke them: `hallpass revoke-orphans` \
             (shows the plan first) or the Revoke orphans button.",
        );
        out.push(listed(f, "assignment", orphans));
    }
    if !kept_by_aws.is_empty() {
        let f = Finding::new(
            "orphaned-assignment",
            Severity::Info,
            format!(
                "AWS keeps {} assignment(s) of deleted users or groups and refused to revoke them",
                kept_by_aws.len()
            ),
            "AWS ended the revocation FAILED because the principal no longer exists in the directory. These \
             assignments grant nobody access (no one can sign in as a deleted principal), so Hallpass does not send \
             them again; AWS Support can remove them if they must go.",
        );
        out.push(listed(f, "assignment", kept_by_aws));
    }
    for (group, list) in empty {
        let f = Finding::new(
            "empty-group-assignment",
            Severity::Info,
            format!("Group {group} has assignments but no members"),
            "Nobody gets this access. Add the people who need it to the group (`hallpass member add`), or revoke \
             the assignments if the group is retired.",
        )
        .subject(group);
        out.push(listed(f, "assignment", list));
    }
    // Disabled users cannot sign in, but every assignment they hold comes back the moment
    // someone enables them again (Identity Store UserStatus).
    for u in d.users.iter().filter(|u| u.is_disabled()) {
        let mut held: Vec<String> = disabled_direct
            .get(u.user_name.as_str())
            .cloned()
            .unwrap_or_default();
        held.extend(
            groups_of
                .get(u.user_id.as_str())
                .into_iter()
                .flatten()
                .filter(|g| groups_with_access.contains(*g))
                .map(|g| format!("through group {}", names.group(g).unwrap_or(g))),
        );
        if held.is_empty() {
            continue;
        }
        let f = Finding::new(
            "disabled-user-with-access",
            Severity::Warning,
            format!("{} is disabled but still holds access ({} grant(s))", u.user_name, held.len()),
            format!(
                "A disabled user cannot sign in today, but all of this access returns the moment the user is \
                 enabled again. If they have left, revoke the direct assignments (`hallpass revoke --user {name} …`) \
                 and remove them from the groups (`hallpass member remove --group G --user {name}`).",
                name = u.user_name
            ),
        )
        .subject(u.user_name.as_str());
        out.push(listed(f, "access", held));
    }
    let without: Vec<String> = d
        .users
        .iter()
        .filter(|u| !u.is_disabled())
        .filter(|u| !with_access.contains(u.user_id.as_str()))
        .filter(|u| {
            !groups_of
                .get(u.user_id.as_str())
                .is_some_and(|gs| gs.iter().any(|g| groups_with_access.contains(g)))
        })
        .map(|u| {
            let gs = groups_of
                .get(u.user_id.as_str())
                .map(|gs| gs.len())
                .unwrap_or(0);
            format!(
                "{} ({})",
                u.user_name,
                if gs == 0 {
                    "in no group".to_owned()
                } else {
                    format!("in {gs} group(s) without assignments")
                }
            )
        })
        .collect();
    if !without.is_empty() {
        let f = Finding::new(
            "user-without-access",
            Severity::Info,
            format!("{} user(s) see no accounts in the access portal", without.len()),
            "Add each user to a group that has an assignment (`hallpass member add --group G --user U`), or use \
             `hallpass explain --user NAME --account ID` to see which link is missing for one account.",
        );
        out.push(listed(f, "user", without));
    }
    Ok(out)
}
