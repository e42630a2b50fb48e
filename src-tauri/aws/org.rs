//! AWS Organizations: the organization, its OU tree, accounts, delegated administrators.

use futures::future::try_join;

use super::call::Service;
use super::{paginate, Clients, Gate};
use crate::error::{Error, Result};
use crate::model::{Account, OrgUnit, Organization};

/// The largest page Organizations serves for these list operations.
const PAGE: i32 = 20;

pub async fn describe_organization(c: &Clients, gate: &Gate) -> Result<Organization> {
    let out = gate
        .call(
            Service::Organizations,
            &c.account_id,
            "DescribeOrganization",
            || c.orgs.describe_organization().send(),
        )
        .await?;
    let org = out
        .organization()
        .ok_or_else(|| Error::NotFound("DescribeOrganization returned no organization".into()))?;
    Ok(Organization {
        id: org.id().unwrap_or_default().to_owned(),
        management_account_id: org.master_account_id().unwrap_or_default().to_owned(),
        feature_set: org.feature_set().map(|f| f.as_str().to_owned()),
    })
}

/// The OU tree (root first) and every account with its parent, walked breadth-first.
pub async fn tree(c: &Clients, gate: &Gate) -> Result<(Vec<OrgUnit>, Vec<Account>)> {
    let roots = gate
        .call(Service::Organizations, &c.account_id, "ListRoots", || {
            c.orgs.list_roots().send()
        })
        .await?;
    let mut ous: Vec<OrgUnit> = roots
        .roots()
        .iter()
        .map(|r| OrgUnit {
            id: r.id().unwrap_or_default().to_owned(),
            name: r.name().unwrap_or("Root").to_owned(),
            parent_id: None,
            is_root: true,
        })
        .collect();
    let mut accounts = Vec::new();
    let mut next = 0;
    while next < ous.len() {
        let parent = ous[next].id.clone();
        next += 1;
        let (children, mut accts) = try_join(
            child_ous(c, gate, &parent),
            child_accounts(c, gate, &parent),
        )
        .await?;
        ous.extend(children);
        accounts.append(&mut accts);
    }
    Ok((ous, accounts))
}

async fn child_ous(c: &Clients, gate: &Gate, parent: &str) -> Result<Vec<OrgUnit>> {
    paginate(|token| async move {
        let out = gate
            .call(
                Service::Organizations,
                &c.account_id,
                "ListOrganizationalUnitsForParent",
                || {
                    c.orgs
                        .list_organizational_units_for_parent()
                        .parent_id(parent)
                        .max_results(PAGE)
                        .set_next_token(token.clone())
                        .send()
                },
            )
            .await?;
        let items = out
            .organizational_units()
            .iter()
            .map(|o| OrgUnit {
                id: o.id().unwrap_or_default().to_owned(),
                name: o.name().unwrap_or_default().to_owned(),
                parent_id: Some(parent.to_owned()),
                is_root: false,
            })
            .collect();
        Ok((items, out.next_token().map(str::to_owned)))
    })
    .await
}

async fn child_accounts(c: &Clients, gate: &Gate, parent: &str) -> Result<Vec<Account>> {
    paginate(|token| async move {
        let out = gate
            .call(
                Service::Organizations,
                &c.account_id,
                "ListAccountsForParent",
                || {
                    c.orgs
                        .list_accounts_for_parent()
                        .parent_id(parent)
                        .max_results(PAGE)
                        .set_next_token(token.clone())
                        .send()
                },
            )
            .await?;
        let items = out
            .accounts()
            .iter()
            .map(|a| Account {
                id: a.id().unwrap_or_default().to_owned(),
                name: a.name().unwrap_or_default().to_owned(),
                email: a.email().map(str::to_owned),
                // `Status` is retired (September 2026) in favour of `State`.
                status: a
                    .state()
                    .map(|s| s.as_str().to_owned())
                    .or_else(|| a.status().map(|s| s.as_str().to_owned())),
                joined_method: a.joined_method().map(|s| s.as_str().to_owned()),
                parent_id: parent.to_owned(),
            })
            .collect();
        Ok((items, out.next_token().map(str::to_owned)))
    })
    .await
}

/// Member accounts registered as delegated administrators for Identity Center.
pub async fn delegated_admins(c: &Clients, gate: &Gate) -> Result<Vec<String>> {
    paginate(|token| async move {
        let out = gate
            .call(
                Service::Organizations,
                &c.account_id,
                "ListDelegatedAdministrators",
                || {
                    c.orgs
                        .list_delegated_administrators()
                        .service_principal("sso.amazonaws.com")
                        .max_results(PAGE)
                        .set_next_token(token.clone())
                        .send()
                },
            )
            .await?;
        let items = out
            .delegated_administrators()
            .iter()
            .filter_map(|d| d.id().map(str::to_owned))
            .collect();
        Ok((items, out.next_token().map(str::to_owned)))
    })
    .await
}

/// The service principals with trusted access to the organization (e.g. `sso.amazonaws.com`).
pub async fn trusted_services(c: &Clients, gate: &Gate) -> Result<Vec<String>> {
    paginate(|token| async move {
        let out = gate
            .call(
                Service::Organizations,
                &c.account_id,
                "ListAWSServiceAccessForOrganization",
                || {
                    c.orgs
                        .list_aws_service_access_for_organization()
                        .set_next_token(token.clone())
                        .send()
                },
            )
            .await?;
        let items = out
            .enabled_service_principals()
            .iter()
            .filter_map(|p| p.service_principal().map(str::to_owned))
            .collect();
        Ok((items, out.next_token().map(str::to_owned)))
    })
    .await
}
