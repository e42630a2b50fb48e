//! Reading the organization: Organizations and the organization instance at once, then
//! the member accounts, for account instances (`members.rs`).
//!
//! As AWS has them: an organization has one *organization instance*, owned by the
//! management account, which sees it in its home region (a delegated administrator
//! administers that same instance — its `ListInstances` shows the same ARN — and holds
//! none of its own). *Account instances* in member accounts serve applications only: no
//! permission sets, no account assignments; they are recorded, never read further.

use std::collections::BTreeSet;

use super::context::{instance, report, Prior, SyncOptions};
use super::members;
use super::strategy::{choose, per_principal_cost, Expected, StrategyChoice};
use crate::aws::sso::InstanceMeta;
use crate::aws::{assignments, directory, sso, Clients, Session};
use crate::error::Result;
use crate::model::*;

pub(crate) struct Fetched {
    pub data: OrgData,
    /// The strategy used for each instance, management instance first.
    pub strategies: Vec<(String, Strategy)>,
}

struct InstanceData {
    permission_sets: Vec<PermissionSet>,
    provisioned: Vec<Provisioned>,
    users: Vec<User>,
    groups: Vec<Group>,
    memberships: Vec<Membership>,
    assignments: Vec<Assignment>,
    strategy: Strategy,
}

async fn fetch_instance(
    session: &Session,
    c: &Clients,
    meta: &InstanceMeta,
    prior: &Prior,
    opts: &SyncOptions,
) -> Result<InstanceData> {
    let from_management = c.account_id == session.management.account_id;
    let gate = &session.gate;
    let store = meta.identity_store_id.as_str();
    let instance = meta.instance_arn.as_str();
    let directory = async {
        let (users, groups) = futures::try_join!(
            directory::users(c, gate, store),
            directory::groups(c, gate, store)
        )?;
        report(
            session,
            opts,
            "directory",
            format!(
                "{} users, {} groups; reading memberships",
                users.len(),
                groups.len()
            ),
        );
        let memberships = directory::memberships(c, gate, store, &groups).await?;
        Ok::<_, crate::error::Error>((users, groups, memberships))
    };
    let permission_sets = async {
        let arns = sso::permission_set_arns(c, gate, instance).await?;
        report(
            session,
            opts,
            "permission-sets",
            format!("{} permission sets", arns.len()),
        );
        futures::try_join!(
            sso::permission_sets(c, gate, instance, &arns),
            sso::provisioned(c, gate, instance, &arns)
        )
    };
    let ((users, groups, mut memberships), (permission_sets, provisioned)) =
        futures::try_join!(directory, permission_sets)?;
    let user_ids: Vec<String> = users.iter().map(|u| u.user_id.clone()).collect();
    let group_ids: Vec<String> = groups.iter().map(|g| g.group_id.clone()).collect();
    let expected = Expected {
        known: &prior.assignment_rows,
        fallback: provisioned.len() / (user_ids.len() + group_ids.len()).max(1),
    };
    let principal_calls = per_principal_cost(&user_ids, &group_ids, &memberships, &expected);
    // AWS answers ListAccountAssignmentsForPrincipal only in the management account.
    let choice = if from_management {
        opts.strategy
    } else {
        StrategyChoice::Force(Strategy::ProvisionedPairs)
    };
    let strategy = choose(choice, provisioned.len(), principal_calls);
    report(
        session,
        opts,
        "assignments",
        format!(
            "{} provisioned pairs, {} principals (about {principal_calls} listings): reading by {}",
            provisioned.len(),
            users.len() + groups.len(),
            strategy.as_str()
        ),
    );
    let mut assignments = match strategy {
        Strategy::ProvisionedPairs => {
            assignments::by_pairs(c, gate, instance, &provisioned).await?
        }
        Strategy::PerPrincipal => {
            let principals: Vec<(PrincipalType, String)> = users
                .iter()
                .map(|u| (PrincipalType::User, u.user_id.clone()))
                .chain(
                    groups
                        .iter()
                        .map(|g| (PrincipalType::Group, g.group_id.clone())),
                )
                .collect();
            assignments::by_principal(c, gate, instance, &principals).await?
        }
    };
    assignments.sort();
    assignments.dedup();
    memberships.sort_by(|a, b| (&a.group_id, &a.user_id).cmp(&(&b.group_id, &b.user_id)));
    memberships.dedup();
    Ok(InstanceData {
        permission_sets,
        provisioned,
        users,
        groups,
        memberships,
        assignments,
        strategy,
    })
}

fn add(
    data: &mut OrgData,
    strategies: &mut Vec<(String, Strategy)>,
    instance: Instance,
    d: InstanceData,
) {
    strategies.push((instance.instance_arn.clone(), d.strategy));
    data.instances.push(instance);
    data.permission_sets.extend(d.permission_sets);
    data.provisioned.extend(d.provisioned);
    data.users.extend(d.users);
    data.groups.extend(d.groups);
    data.memberships.extend(d.memberships);
    data.assignments.extend(d.assignments);
}

pub(crate) async fn fetch_all(
    session: &Session,
    prior: &Prior,
    full_scan: bool,
    opts: &SyncOptions,
) -> Result<Fetched> {
    let gate = &session.gate;
    let mgmt = &session.management;
    let metas = sso::instances(mgmt, gate).await?;
    report(
        session,
        opts,
        "instances",
        format!("{} instance(s) in the management account", metas.len()),
    );
    let known: BTreeSet<String> = metas.iter().map(|m| m.instance_arn.clone()).collect();
    // The management instance is read while the organization and then the member
    // accounts are: they wait on different rate limits.
    let management_instances = async {
        let mut out = Vec::new();
        for meta in &metas {
            let regions = sso::regions(mgmt, gate, &meta.instance_arn).await?;
            out.push((
                regions,
                fetch_instance(session, mgmt, meta, prior, opts).await?,
            ));
        }
        Ok::<_, crate::error::Error>(out)
    };
    let (members, mgmt_data) = futures::try_join!(
        members::organization_and_members(session, prior, full_scan, opts, &known),
        management_instances
    )?;

    let mut data = OrgData::default();
    let mut strategies = Vec::new();
    // The delegated administrator for Identity Center, where one is registered, administers
    // the organization instance; otherwise the management account does.
    let administered_by = members
        .admins
        .first()
        .cloned()
        .unwrap_or_else(|| mgmt.account_id.clone());
    for (meta, (regions, d)) in metas.iter().zip(mgmt_data) {
        let mut inst = instance(
            meta,
            &session.region,
            InstanceSource::Organization,
            &mgmt.account_id,
        );
        inst.regions = regions;
        inst.administered_by = Some(administered_by.clone());
        add(&mut data, &mut strategies, inst, d);
    }
    data.instances.extend(members.account_instances);
    data.organization = Some(members.organization);
    data.ous = members.ous;
    data.accounts = members.accounts;
    data.delegated_admins = members.admins;
    data.member_scan = members::scan_to_record(prior, full_scan, members.scan);
    Ok(Fetched { data, strategies })
}
