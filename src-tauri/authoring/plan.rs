//! From the definition an admin wants to the operations that make AWS hold it: the calls
//! on the permission set (each one operation), then ProvisionPermissionSet to every
//! account it is provisioned to. Planned against AWS as it is now (the snapshot may be
//! older), linted before anything is read or sent.

use std::collections::{BTreeSet, HashMap};

use rusqlite::Connection;
use serde::Serialize;
use serde_json::Value;
use ts_rs::TS;

use super::definition::Definition;
use super::diff::{diff, DefinitionDiff};
use super::lint::{lint, missing_in_accounts, FailedAccount};
use crate::aws::{self, Clients, Session};
use crate::error::{Error, Result};
use crate::model::finding::{Finding, Severity};
use crate::model::operation::{
    AssignmentSpec, OpChange, OpSpec, PermissionSetSpec, ProvisionSpec, PsCall,
};
use crate::model::{InstanceSource, PermissionSet, PrincipalType};
use crate::provision::live_check::{clients_for, instance_access};
use crate::provision::session_policy::{blocked_users, with_blocked};
use crate::provision::{Plan, PlanItem};
use crate::store::{queries, snapshots};

/// An account a permission set is provisioned to.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PsAccount {
    pub id: String,
    pub name: Option<String>,
}

/// What applying a definition (or deleting a set) would do, for the admin to confirm.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PermissionSetPlan {
    pub name: String,
    /// None: the set is created by this plan.
    pub permission_set_arn: Option<String>,
    pub instance_arn: String,
    /// As AWS holds it now (none: new). Hallpass's own statement that ends live sessions is
    /// left out; it is kept in the policy sent.
    pub before: Option<Definition>,
    /// None: the set is deleted.
    pub after: Option<Definition>,
    pub diff: DefinitionDiff,
    /// The lint's findings on `after` (errors refuse the plan before it is made).
    pub findings: Vec<Finding>,
    /// The accounts the set is provisioned to: each gets the new definition.
    pub accounts: Vec<PsAccount>,
    /// Users who reach the set in some account (directly or through a group), from the
    /// newest snapshot.
    pub users_reached: usize,
    /// Where the set is assigned ("GROUP platform on prod (111…)"), for a deletion.
    pub assigned: Vec<String>,
    /// The operations, in the order they run.
    pub plan: Plan,
}

/// Refuses a definition the lint finds errors in, before AWS is asked anything.
pub fn refuse_errors(d: &Definition) -> Result<Vec<Finding>> {
    let findings = lint(d);
    let errors: Vec<String> = findings
        .iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| format!("{} ({})", f.title, f.fix))
        .collect();
    if !errors.is_empty() {
        return Err(Error::InvalidInput(format!(
            "permission set {:?} was not sent to AWS: {}",
            d.name,
            errors.join("; ")
        )));
    }
    Ok(findings)
}

struct Context {
    snap: i64,
    instance_arn: String,
    clients: Clients,
    account_names: HashMap<String, String>,
}

async fn context(conn: &Connection, session: &Session) -> Result<Context> {
    crate::provision::require_full(session.access)?;
    let snap = snapshots::latest_complete(conn)?.ok_or_else(|| {
        Error::NotFound("there is no snapshot yet: run `hallpass sync` first".into())
    })?;
    let instance = queries::instances(conn, snap)?
        .into_iter()
        .find(|i| i.source == InstanceSource::Organization)
        .ok_or_else(|| {
            Error::NotFound(
                "the newest snapshot has no organization instance of IAM Identity Center, which is the only kind \
                 that holds permission sets"
                    .into(),
            )
        })?;
    let from = instance_access(conn)?
        .get(&instance.instance_arn)
        .cloned()
        .unwrap_or_default();
    let clients = clients_for(session, &mut HashMap::new(), &from).await?;
    let account_names = queries::accounts(conn, snap)?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    Ok(Context {
        snap,
        instance_arn: instance.instance_arn,
        clients,
        account_names,
    })
}

/// The permission set named `name` (or by ARN) in the newest snapshot.
pub fn in_snapshot(conn: &Connection, name: &str) -> Result<PermissionSet> {
    let snap = snapshots::latest_complete(conn)?.ok_or_else(|| {
        Error::NotFound("there is no snapshot yet: run `hallpass sync` first".into())
    })?;
    queries::permission_sets(conn, snap)?
        .into_iter()
        .find(|p| p.name == name || p.arn == name)
        .ok_or_else(|| {
            Error::InvalidInput(format!(
                "unknown permission set {name:?} in snapshot {snap}; `hallpass show permission-sets` lists them \
                 (`hallpass sync` first if it was made since)"
            ))
        })
}

/// The definition AWS holds now, with its tags; and the users Hallpass's statement
/// denies in its inline policy (kept when the policy is replaced).
async fn live_definition(
    ctx: &Context,
    session: &Session,
    arn: &str,
) -> Result<(Definition, BTreeSet<String>)> {
    let gate = &session.gate;
    let (ps, tags) = futures::try_join!(
        aws::sso::permission_set(&ctx.clients, gate, &ctx.instance_arn, arn),
        aws::authoring::tags(&ctx.clients, gate, &ctx.instance_arn, arn),
    )?;
    let mut d = Definition::of(&ps);
    d.tags = tags;
    let blocked = blocked_users(d.inline_policy.as_deref());
    if !blocked.is_empty() {
        d.inline_policy = with_blocked(&d.name, d.inline_policy.as_deref(), &BTreeSet::new())?;
    }
    Ok((d, blocked))
}

/// The definition of the set named (or ARN'd) `name` as AWS holds it now, tags included
/// and Hallpass's own statement left out: what an edit starts from.
pub async fn current(conn: &Connection, session: &Session, name: &str) -> Result<Definition> {
    let arn = in_snapshot(conn, name)?.arn;
    let ctx = context(conn, session).await?;
    Ok(live_definition(&ctx, session, &arn).await?.0)
}

/// Plans a new permission set (`existing` none) or an edit of the one named or ARN'd
/// `existing`: `edit` makes the wanted definition from the one AWS holds now (none for a
/// new set; tags included, Hallpass's own statement left out).
pub async fn plan_definition(
    conn: &Connection,
    session: &Session,
    existing: Option<&str>,
    edit: impl FnOnce(Option<&Definition>) -> Result<Definition>,
) -> Result<PermissionSetPlan> {
    // An unknown set is refused before connecting.
    let existing_arn = existing
        .map(|name| in_snapshot(conn, name))
        .transpose()?
        .map(|p| p.arn);
    let ctx = context(conn, session).await?;
    let gate = &session.gate;
    let (arn, before, blocked) = match existing_arn {
        Some(arn) => {
            let (d, blocked) = live_definition(&ctx, session, &arn).await?;
            (Some(arn), Some(d), blocked)
        }
        None => (None, None, BTreeSet::new()),
    };
    let after = edit(before.as_ref())?;
    let mut findings = refuse_errors(&after)?;
    if let Some(arn) = &arn {
        findings.extend(missing_in_accounts(
            &after,
            &failed_accounts(conn, ctx.snap, arn)?,
        ));
    }
    if arn.is_none() {
        {
            if let Some(arn) =
                aws::authoring::find_by_name(&ctx.clients, gate, &ctx.instance_arn, &after.name)
                    .await?
            {
                return Err(Error::InvalidInput(format!(
                    "a permission set named {} exists already ({arn}); change it with `hallpass permission-set \
                     edit {}`",
                    after.name, after.name
                )));
            }
        }
    }
    let calls = calls(before.as_ref(), &after, &blocked)?;
    let accounts = match &arn {
        Some(arn) if calls.iter().any(PsCall::needs_provisioning) => {
            aws::sso::accounts_provisioned(&ctx.clients, gate, &ctx.instance_arn, arn).await?
        }
        _ => vec![],
    };
    let users_reached = match &arn {
        Some(arn) => users_reaching(conn, ctx.snap, arn)?,
        None => 0,
    };
    let mut items: Vec<PlanItem> = calls
        .into_iter()
        .map(|call| item(&ctx, arn.clone(), &after.name, call))
        .collect();
    let accounts: Vec<_> = accounts
        .into_iter()
        .map(|id| PsAccount {
            name: ctx.account_names.get(&id).cloned(),
            id,
        })
        .collect();
    if let Some(arn) = &arn {
        for a in &accounts {
            items.push(PlanItem {
                spec: OpSpec {
                    instance_arn: ctx.instance_arn.clone(),
                    change: OpChange::Provision(ProvisionSpec {
                        account_id: a.id.clone(),
                        account_name: a.name.clone(),
                        permission_set_arn: arn.clone(),
                        permission_set_name: after.name.clone(),
                    }),
                },
                noop: None,
            });
        }
    }
    let mut warnings = vec![];
    if !blocked.is_empty() {
        warnings.push(format!(
            "Hallpass's statement ending live sessions of {} user(s) stays in the inline policy until their \
             sessions are over",
            blocked.len()
        ));
    }
    Ok(PermissionSetPlan {
        name: after.name.clone(),
        permission_set_arn: arn,
        instance_arn: ctx.instance_arn.clone(),
        diff: diff(before.as_ref(), &after),
        before,
        after: Some(after),
        findings,
        accounts,
        users_reached,
        assigned: vec![],
        plan: Plan {
            items,
            expires_at: None,
            warnings,
            end_sessions: vec![],
            break_glass: false,
        },
    })
}

/// Plans deleting the permission set named (or ARN'd) `name`. While it is assigned it is
/// refused, listing where, unless `remove_assignments`: then those are revoked first,
/// through the queue, and the set is deleted once every revoke succeeded.
pub async fn plan_delete(
    conn: &Connection,
    session: &Session,
    name: &str,
    remove_assignments: bool,
) -> Result<PermissionSetPlan> {
    let ps = in_snapshot(conn, name)?;
    let ctx = context(conn, session).await?;
    let gate = &session.gate;
    let (before, _) = live_definition(&ctx, session, &ps.arn).await?;
    let accounts =
        aws::sso::accounts_provisioned(&ctx.clients, gate, &ctx.instance_arn, &ps.arn).await?;
    let mut assignments = vec![];
    for account in &accounts {
        assignments.extend(
            aws::assignments::pair_assignments(
                &ctx.clients,
                gate,
                &ctx.instance_arn,
                &ps.arn,
                account,
            )
            .await?,
        );
    }
    let names = principal_names(conn, ctx.snap)?;
    let specs: Vec<AssignmentSpec> = assignments
        .iter()
        .map(|a| AssignmentSpec {
            account_id: a.account_id.clone(),
            account_name: ctx.account_names.get(&a.account_id).cloned(),
            permission_set_arn: ps.arn.clone(),
            permission_set_name: Some(ps.name.clone()),
            principal_type: a.principal_type,
            principal_id: a.principal_id.clone(),
            principal_name: names.get(&a.principal_id).cloned(),
        })
        .collect();
    let assigned: Vec<String> = specs
        .iter()
        .map(|a| {
            format!(
                "{} {} on {} ({})",
                a.principal_type.as_str(),
                a.principal_name.as_deref().unwrap_or(&a.principal_id),
                a.account_name.as_deref().unwrap_or("?"),
                a.account_id
            )
        })
        .collect();
    if !assigned.is_empty() && !remove_assignments {
        return Err(Error::InvalidInput(format!(
            "permission set {} is assigned in {} place(s), so it was not deleted: {}. Revoke those first, or \
             delete with --remove-assignments (\"Remove the assignments first\" in the window) to revoke them \
             through the queue before the deletion",
            ps.name,
            assigned.len(),
            assigned.join("; ")
        )));
    }
    let mut items: Vec<PlanItem> = specs
        .into_iter()
        .map(|a| PlanItem {
            spec: OpSpec::on_assignment(crate::provision::OpKind::Revoke, &ctx.instance_arn, a),
            noop: None,
        })
        .collect();
    items.push(item(
        &ctx,
        Some(ps.arn.clone()),
        &ps.name,
        PsCall::DeletePermissionSet,
    ));
    Ok(PermissionSetPlan {
        name: ps.name.clone(),
        permission_set_arn: Some(ps.arn.clone()),
        instance_arn: ctx.instance_arn.clone(),
        diff: DefinitionDiff::default(),
        before: Some(before),
        after: None,
        findings: vec![],
        accounts: vec![],
        users_reached: users_reaching(conn, ctx.snap, &ps.arn)?,
        assigned,
        plan: Plan {
            items,
            expires_at: None,
            warnings: vec![],
            end_sessions: vec![],
            break_glass: false,
        },
    })
}

/// The accounts where the last sync saw the set's provisioning fail (still outdated).
pub fn failed_accounts(conn: &Connection, snap: i64, arn: &str) -> Result<Vec<FailedAccount>> {
    let names: HashMap<String, String> = queries::accounts(conn, snap)?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    Ok(queries::provisioned(conn, snap)?
        .into_iter()
        .filter(|p| p.permission_set_arn == arn && p.outdated)
        .filter_map(|p| {
            Some(FailedAccount {
                account_name: names.get(&p.account_id).cloned(),
                reason: p.failure?,
                account_id: p.account_id,
            })
        })
        .collect())
}

fn item(ctx: &Context, arn: Option<String>, name: &str, call: PsCall) -> PlanItem {
    PlanItem {
        spec: OpSpec {
            instance_arn: ctx.instance_arn.clone(),
            change: OpChange::PermissionSet(PermissionSetSpec {
                permission_set_arn: arn,
                permission_set_name: name.to_owned(),
                call,
            }),
        },
        noop: None,
    }
}

fn principal_names(conn: &Connection, snap: i64) -> Result<HashMap<String, String>> {
    let mut out: HashMap<String, String> = queries::users(conn, snap)?
        .into_iter()
        .map(|u| (u.user_id, u.user_name))
        .collect();
    out.extend(
        queries::groups(conn, snap)?
            .into_iter()
            .map(|g| (g.group_id, g.display_name)),
    );
    Ok(out)
}

/// Users who reach `arn` in some account, directly or through a group.
fn users_reaching(conn: &Connection, snap: i64, arn: &str) -> Result<usize> {
    let assignments: Vec<_> = queries::assignments(conn, snap)?
        .into_iter()
        .filter(|a| a.permission_set_arn == arn)
        .collect();
    let groups: BTreeSet<&str> = assignments
        .iter()
        .filter(|a| a.principal_type == PrincipalType::Group)
        .map(|a| a.principal_id.as_str())
        .collect();
    let mut users: BTreeSet<String> = assignments
        .iter()
        .filter(|a| a.principal_type == PrincipalType::User)
        .map(|a| a.principal_id.clone())
        .collect();
    if !groups.is_empty() {
        users.extend(
            queries::memberships(conn, snap)?
                .into_iter()
                .filter(|m| groups.contains(m.group_id.as_str()))
                .map(|m| m.user_id),
        );
    }
    Ok(users.len())
}

fn same_policy(a: Option<&str>, b: Option<&str>) -> bool {
    match (a, b) {
        (Some(a), Some(b)) => match (
            serde_json::from_str::<Value>(a),
            serde_json::from_str::<Value>(b),
        ) {
            (Ok(x), Ok(y)) => x == y,
            _ => a.trim() == b.trim(),
        },
        (a, b) => a.is_none() == b.is_none(),
    }
}

/// The calls that take AWS from `before` (none: the set is new) to `after`, in the order
/// they are sent: the set's fields, the inline policy, detachments before attachments
/// (AWS counts at most 10 managed policies at any moment), the boundary, the tags.
/// `blocked`: users Hallpass's statement denies now, kept in the inline policy sent.
pub fn calls(
    before: Option<&Definition>,
    after: &Definition,
    blocked: &BTreeSet<String>,
) -> Result<Vec<PsCall>> {
    let mut out = Vec::new();
    let empty = Definition::default();
    let b = match before {
        None => {
            out.push(PsCall::CreatePermissionSet {
                description: after.description.clone(),
                session_duration: after.session_duration.clone(),
                relay_state: after.relay_state.clone(),
                tags: after.tags.clone(),
            });
            &empty
        }
        Some(b) => {
            if b.name != after.name {
                return Err(Error::InvalidInput(format!(
                    "AWS cannot rename a permission set ({} → {}): create one named {} (`hallpass permission-set \
                     create`), move the assignments to it, then delete {}",
                    b.name, after.name, after.name, b.name
                )));
            }
            for (field, was, is) in [
                ("description", &b.description, &after.description),
                ("relay state", &b.relay_state, &after.relay_state),
            ] {
                if was.is_some() && is.is_none() {
                    return Err(Error::InvalidInput(format!(
                        "AWS cannot clear a permission set's {field} once it is set (UpdatePermissionSet takes 1 \
                         character at least): give a new {field} instead"
                    )));
                }
            }
            if b.description != after.description
                || b.session_duration != after.session_duration
                || b.relay_state != after.relay_state
            {
                out.push(PsCall::UpdatePermissionSet {
                    description: after.description.clone(),
                    session_duration: after.session_duration.clone(),
                    relay_state: after.relay_state.clone(),
                });
            }
            b
        }
    };
    if !same_policy(b.inline_policy.as_deref(), after.inline_policy.as_deref()) {
        let sent = if blocked.is_empty() {
            after.inline_policy.clone()
        } else {
            with_blocked(&after.name, after.inline_policy.as_deref(), blocked)?
        };
        out.push(match sent {
            Some(policy) => PsCall::PutInlinePolicy { policy },
            None => PsCall::DeleteInlinePolicy,
        });
    }
    for arn in b
        .managed_policies
        .iter()
        .filter(|p| !after.managed_policies.contains(p))
    {
        out.push(PsCall::DetachManagedPolicy { arn: arn.clone() });
    }
    for r in b
        .customer_managed
        .iter()
        .filter(|r| !after.customer_managed.contains(r))
    {
        out.push(PsCall::DetachCustomerManagedPolicy {
            reference: r.clone(),
        });
    }
    for arn in after
        .managed_policies
        .iter()
        .filter(|p| !b.managed_policies.contains(p))
    {
        out.push(PsCall::AttachManagedPolicy { arn: arn.clone() });
    }
    for r in after
        .customer_managed
        .iter()
        .filter(|r| !b.customer_managed.contains(r))
    {
        out.push(PsCall::AttachCustomerManagedPolicy {
            reference: r.clone(),
        });
    }
    if b.boundary != after.boundary {
        out.push(match &after.boundary {
            Some(boundary) => PsCall::PutPermissionsBoundary {
                boundary: boundary.clone(),
            },
            None => PsCall::DeletePermissionsBoundary,
        });
    }
    if before.is_some() {
        let gone: Vec<String> = b
            .tags
            .iter()
            .filter(|t| !after.tags.iter().any(|x| x.key == t.key))
            .map(|t| t.key.clone())
            .collect();
        if !gone.is_empty() {
            out.push(PsCall::UntagResource { keys: gone });
        }
        let set: Vec<_> = after
            .tags
            .iter()
            .filter(|t| !b.tags.contains(t))
            .cloned()
            .collect();
        if !set.is_empty() {
            out.push(PsCall::TagResource { tags: set });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tag;

    fn def() -> Definition {
        Definition {
            name: "Dev".into(),
            description: Some("developers".into()),
            session_duration: "PT1H".into(),
            inline_policy: Some(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#.into()),
            managed_policies: vec!["arn:aws:iam::aws:policy/ReadOnlyAccess".into()],
            tags: vec![Tag { key: "team".into(), value: "a".into() }],
            ..Default::default()
        }
    }

    #[test]
    fn a_new_set_is_created_then_given_its_policies() {
        let c = calls(None, &def(), &BTreeSet::new()).unwrap();
        let actions: Vec<&str> = c.iter().map(PsCall::action).collect();
        assert_eq!(
            actions,
            [
                "CreatePermissionSet",
                "PutInlinePolicyToPermissionSet",
                "AttachManagedPolicyToPermissionSet"
            ]
        );
    }

    #[test]
    fn an_unchanged_definition_needs_no_call_and_a_reformatted_policy_is_unchanged() {
        let mut after = def();
        after.inline_policy = Some(
            serde_json::to_string_pretty(
                &serde_json::from_str::<Value>(def().inline_policy.as_deref().unwrap()).unwrap(),
            )
            .unwrap(),
        );
        assert!(calls(Some(&def()), &after, &BTreeSet::new())
            .unwrap()
            .is_empty());
    }

    #[test]
    fn an_edit_detaches_before_it_attaches_and_changes_only_what_changed() {
        let mut after = def();
        after.managed_policies = vec!["arn:aws:iam::aws:policy/PowerUserAccess".into()];
        after.session_duration = "PT4H".into();
        after.tags = vec![Tag {
            key: "team".into(),
            value: "b".into(),
        }];
        let c = calls(Some(&def()), &after, &BTreeSet::new()).unwrap();
        let actions: Vec<&str> = c.iter().map(PsCall::action).collect();
        assert_eq!(
            actions,
            [
                "UpdatePermissionSet",
                "DetachManagedPolicyFromPermissionSet",
                "AttachManagedPolicyToPermissionSet",
                "TagResource"
            ]
        );
    }

    #[test]
    fn renaming_or_clearing_the_description_is_refused_with_the_way_round() {
        let mut renamed = def();
        renamed.name = "Developers".into();
        let e = calls(Some(&def()), &renamed, &BTreeSet::new())
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot rename"), "{e}");
        let mut cleared = def();
        cleared.description = None;
        let e = calls(Some(&def()), &cleared, &BTreeSet::new())
            .unwrap_err()
            .to_string();
        assert!(e.contains("cannot clear"), "{e}");
    }

    #[test]
    fn hallpass_statement_ending_sessions_stays_in_the_policy_sent() {
        let mut after = def();
        after.inline_policy = Some(r#"{"Version":"2012-10-17","Statement":[{"Sid":"New","Effect":"Allow","Action":"ec2:Describe*","Resource":"*"}]}"#.into());
        let blocked: BTreeSet<String> = ["u-1".to_string()].into();
        let c = calls(Some(&def()), &after, &blocked).unwrap();
        let PsCall::PutInlinePolicy { policy } = &c[0] else {
            panic!("{c:?}")
        };
        assert_eq!(blocked_users(Some(policy)), blocked);
        assert!(policy.contains("\"New\""));
    }

    #[test]
    fn a_policy_over_the_limit_is_refused_before_anything_is_read() {
        let mut d = def();
        d.inline_policy = Some(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::{}"}}]}}"#,
            "a".repeat(33_000)
        ));
        let e = refuse_errors(&d).unwrap_err().to_string();
        assert!(e.contains("not sent to AWS"), "{e}");
    }
}
