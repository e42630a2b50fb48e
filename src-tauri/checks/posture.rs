//! Quotas and posture (reference 001 §4, §11, §12), from the snapshot alone.

use std::collections::{HashMap, HashSet};

use super::org::listed;
use crate::error::Result;
use crate::model::finding::{Finding, Severity};
use crate::model::{Names, OrgData, PermissionSet, PrincipalType};

use crate::model::INLINE_POLICY_MAX;
/// AWS's default limit of managed policies on a permission set's role.
pub const MANAGED_POLICIES_MAX: usize = 10;
const SESSION_MAX_SECONDS: i64 = 12 * 3600;
const ADMIN_POLICY: &str = "policy/AdministratorAccess";
/// More users than this reaching AdministratorAccess is "broad".
const ADMIN_USERS_MAX: usize = 5;

pub fn findings(d: &OrgData) -> Result<Vec<Finding>> {
    let names = d.names();
    let mut out = Vec::new();
    for ps in &d.permission_sets {
        out.extend(quotas(ps));
    }
    out.extend(broad_admin(d, &names));
    out.extend(break_glass(d));
    Ok(out)
}

fn quotas(ps: &PermissionSet) -> Vec<Finding> {
    let mut out = Vec::new();
    if let Some(policy) = &ps.inline_policy {
        let n = policy.chars().count();
        if n > INLINE_POLICY_MAX / 2 {
            let over = n > INLINE_POLICY_MAX;
            out.push(
                Finding::new(
                    "inline-policy-size",
                    if over { Severity::Error } else { Severity::Warning },
                    if over {
                        format!("{}'s inline policy is over the 32,768-character quota", ps.name)
                    } else {
                        format!("{}'s inline policy is past half of the 32,768-character quota", ps.name)
                    },
                    "Move statements into a customer-managed policy (referenced by name from the permission set) so \
                     the body is reviewable in IAM and the permission set stays well under the quota (IAM \
                     Identity Center user guide, \"IAM Identity Center quotas\": 32,768 bytes per inline \
                     policy).",
                )
                .subject(&ps.name)
                .evidence("characters", format!("{n} of {INLINE_POLICY_MAX}")),
            );
        }
    }
    let managed = ps.managed_policies.len() + ps.customer_managed_policies.len();
    if managed > MANAGED_POLICIES_MAX {
        out.push(
            Finding::new(
                "too-many-managed-policies",
                Severity::Error,
                format!("{} attaches {managed} managed policies (the role limit is 10)", ps.name),
                "Provisioning fails in accounts where the IAM quota was not raised. Consolidate into fewer \
                 customer-managed policies, or raise 'Managed policies per role' in every target account \
                 (IAM quota, 10 by default).",
            )
            .subject(&ps.name)
            .evidence("AWS-managed", ps.managed_policies.len().to_string())
            .evidence("customer-managed references", ps.customer_managed_policies.len().to_string()),
        );
    }
    if let Some(d) = ps.session_duration.as_deref() {
        if let Ok(len) = crate::provision::duration::parse(d) {
            if len.whole_seconds() > SESSION_MAX_SECONDS {
                out.push(
                    Finding::new(
                        "session-duration",
                        Severity::Error,
                        format!("{}'s session duration {d} is above the 12-hour maximum", ps.name),
                        "Set the session duration to PT12H or less (PT1H–PT4H for powerful permission sets).",
                    )
                    .subject(&ps.name)
                    .evidence("session duration", d),
                );
            }
        }
    }
    out
}

fn is_admin(ps: &PermissionSet) -> bool {
    ps.name == "AdministratorAccess"
        || ps
            .managed_policies
            .iter()
            .any(|m| m.ends_with(ADMIN_POLICY))
}

fn members(d: &OrgData) -> HashMap<&str, Vec<&str>> {
    let mut m: HashMap<&str, Vec<&str>> = HashMap::new();
    for x in &d.memberships {
        m.entry(x.group_id.as_str())
            .or_default()
            .push(x.user_id.as_str());
    }
    m
}

fn broad_admin(d: &OrgData, names: &Names) -> Vec<Finding> {
    let admin: HashSet<&str> = d
        .permission_sets
        .iter()
        .filter(|p| is_admin(p))
        .map(|p| p.arn.as_str())
        .collect();
    let members = members(d);
    let mut out = Vec::new();
    for arn in &admin {
        let assigned: Vec<_> = d
            .assignments
            .iter()
            .filter(|a| a.permission_set_arn == *arn)
            .collect();
        if assigned.is_empty() {
            continue;
        }
        let mut users: HashSet<&str> = HashSet::new();
        let mut direct = 0;
        for a in &assigned {
            match a.principal_type {
                PrincipalType::User => {
                    users.insert(&a.principal_id);
                    direct += 1;
                }
                PrincipalType::Group => {
                    users.extend(members.get(a.principal_id.as_str()).into_iter().flatten())
                }
            }
        }
        let accounts: HashSet<&str> = assigned.iter().map(|a| a.account_id.as_str()).collect();
        if users.len() <= ADMIN_USERS_MAX && direct == 0 {
            continue;
        }
        let name = names.set(arn);
        let f = Finding::new(
            "broad-administrator-access",
            Severity::Warning,
            format!("{name} reaches {} user(s) in {} account(s)", users.len(), accounts.len()),
            "Keep administrator access for a dedicated break-glass group of 2–3 people; give everyday work a \
             narrower permission set (PowerUser or a custom one) and revoke the broad assignments.",
        )
        .subject(&name)
        .evidence("users reaching it", users.len().to_string())
        .evidence("assigned to users directly", direct.to_string());
        out.push(listed(
            f,
            "assignment",
            assigned.iter().map(|a| {
                format!(
                    "{} {} on {}",
                    a.principal_type.as_str(),
                    a.principal_id,
                    names.account(&a.account_id)
                )
            }),
        ));
    }
    out
}

fn break_glass(d: &OrgData) -> Vec<Finding> {
    let members = members(d);
    let ok = d
        .permission_sets
        .iter()
        .filter(|p| p.looks_like_break_glass())
        .any(|p| {
            d.assignments.iter().any(|a| {
                a.permission_set_arn == p.arn
                    && a.principal_type == PrincipalType::Group
                    && (2..=3).contains(
                        &members
                            .get(a.principal_id.as_str())
                            .map(Vec::len)
                            .unwrap_or(0),
                    )
            })
        });
    if ok || d.permission_sets.is_empty() {
        return vec![];
    }
    let sets: Vec<&str> = d
        .permission_sets
        .iter()
        .filter(|p| p.looks_like_break_glass())
        .map(|p| p.name.as_str())
        .collect();
    vec![Finding::new(
        "no-break-glass",
        Severity::Warning,
        "No break-glass permission set is assigned to a group of 2–3 people",
        "Create a dedicated BreakGlassAdmin permission set, assign it to a group of 2–3 named people, and alert on \
         every use (a CloudTrail or EventBridge rule on its role being assumed), so that the organization \
         stays reachable if your identity provider fails.",
    )
    .evidence(
        "break-glass permission sets",
        if sets.is_empty() { "none".to_owned() } else { format!("{} (not assigned to a 2–3 person group)", sets.join(", ")) },
    )]
}
