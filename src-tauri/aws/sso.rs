//! IAM Identity Center admin: instances, permission sets, provisioning, assignments.

use aws_sdk_ssoadmin::types::ProvisioningStatus;
use futures::stream::{self, StreamExt, TryStreamExt};

use super::call::Service;
use super::{fan_out, paginate, Clients, Gate};
use crate::error::{AwsErrorKind, Result};
use crate::model::*;

/// The largest page Identity Center admin serves.
pub(crate) const PAGE: i32 = 100;
/// Requests in flight at once; the rate limiter is what really paces them.
pub(crate) const CONCURRENCY: usize = 16;

/// An instance as `ListInstances` describes it.
#[derive(Debug, Clone)]
pub struct InstanceMeta {
    pub instance_arn: String,
    pub identity_store_id: String,
    pub owner_account_id: String,
    pub name: Option<String>,
    pub status: Option<String>,
}

/// The instances visible to this account's session in the session's region.
pub async fn instances(c: &Clients, gate: &Gate) -> Result<Vec<InstanceMeta>> {
    paginate(|token| async move {
        let out = gate
            .call(Service::SsoAdmin, &c.account_id, "ListInstances", || {
                c.sso
                    .list_instances()
                    .max_results(PAGE)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        let items = out
            .instances()
            .iter()
            .map(|i| InstanceMeta {
                instance_arn: i.instance_arn().unwrap_or_default().to_owned(),
                identity_store_id: i.identity_store_id().unwrap_or_default().to_owned(),
                owner_account_id: i.owner_account_id().unwrap_or(&c.account_id).to_owned(),
                name: i.name().map(str::to_owned),
                status: i.status().map(|s| s.as_str().to_owned()),
            })
            .collect();
        Ok((items, out.next_token().map(str::to_owned)))
    })
    .await
}

/// The regions an organization instance is enabled in (ListRegions: the primary region
/// first, then the others, ACTIVE or being added or removed).
pub async fn regions(c: &Clients, gate: &Gate, instance: &str) -> Result<Vec<String>> {
    let mut listed: Vec<(bool, String)> = paginate(|token| async move {
        let out = gate
            .call(Service::SsoAdmin, &c.account_id, "ListRegions", || {
                c.sso
                    .list_regions()
                    .instance_arn(instance)
                    .max_results(PAGE)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        let items = out
            .regions()
            .iter()
            .filter_map(|r| Some((!r.is_primary_region(), r.region_name()?.to_owned())))
            .collect();
        Ok((items, out.next_token().map(str::to_owned)))
    })
    .await?;
    listed.sort();
    Ok(listed.into_iter().map(|(_, r)| r).collect())
}

pub async fn permission_set_arns(c: &Clients, gate: &Gate, instance: &str) -> Result<Vec<String>> {
    paginate(|token| async move {
        let out = gate
            .call(
                Service::SsoAdmin,
                &c.account_id,
                "ListPermissionSets",
                || {
                    c.sso
                        .list_permission_sets()
                        .instance_arn(instance)
                        .max_results(PAGE)
                        .set_next_token(token.clone())
                        .send()
                },
            )
            .await?;
        Ok((
            out.permission_sets().to_vec(),
            out.next_token().map(str::to_owned),
        ))
    })
    .await
}

/// Everything about one permission set: attributes, inline policy, managed and
/// customer-managed policies, permissions boundary.
pub async fn permission_set(
    c: &Clients,
    gate: &Gate,
    instance: &str,
    arn: &str,
) -> Result<PermissionSet> {
    let describe = gate.call(
        Service::SsoAdmin,
        &c.account_id,
        "DescribePermissionSet",
        || {
            c.sso
                .describe_permission_set()
                .instance_arn(instance)
                .permission_set_arn(arn)
                .send()
        },
    );
    let inline = gate.call(
        Service::SsoAdmin,
        &c.account_id,
        "GetInlinePolicyForPermissionSet",
        || {
            c.sso
                .get_inline_policy_for_permission_set()
                .instance_arn(instance)
                .permission_set_arn(arn)
                .send()
        },
    );
    let managed = paginate(|token| async move {
        let out = gate
            .call(
                Service::SsoAdmin,
                &c.account_id,
                "ListManagedPoliciesInPermissionSet",
                || {
                    c.sso
                        .list_managed_policies_in_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn)
                        .max_results(PAGE)
                        .set_next_token(token.clone())
                        .send()
                },
            )
            .await?;
        let items = out
            .attached_managed_policies()
            .iter()
            .filter_map(|p| p.arn().map(str::to_owned))
            .collect();
        Ok((items, out.next_token().map(str::to_owned)))
    });
    let customer = paginate(|token| async move {
        let out = gate
            .call(
                Service::SsoAdmin,
                &c.account_id,
                "ListCustomerManagedPolicyReferencesInPermissionSet",
                || {
                    c.sso
                        .list_customer_managed_policy_references_in_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn)
                        .max_results(PAGE)
                        .set_next_token(token.clone())
                        .send()
                },
            )
            .await?;
        let items = out
            .customer_managed_policy_references()
            .iter()
            .map(|r| CustomerManagedRef {
                name: r.name().to_owned(),
                path: r.path().unwrap_or("/").to_owned(),
            })
            .collect();
        Ok((items, out.next_token().map(str::to_owned)))
    });
    let boundary = async {
        let result = gate
            .call(
                Service::SsoAdmin,
                &c.account_id,
                "GetPermissionsBoundaryForPermissionSet",
                || {
                    c.sso
                        .get_permissions_boundary_for_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(arn)
                        .send()
                },
            )
            .await;
        match result {
            Ok(out) => Ok(out.permissions_boundary().map(|b| PermissionsBoundary {
                managed_policy_arn: b.managed_policy_arn().map(str::to_owned),
                customer_managed: b.customer_managed_policy_reference().map(|r| {
                    CustomerManagedRef {
                        name: r.name().to_owned(),
                        path: r.path().unwrap_or("/").to_owned(),
                    }
                }),
            })),
            // No boundary is answered as "not found".
            Err(e) if e.aws_kind() == Some(AwsErrorKind::NotFound) => Ok(None),
            Err(e) => Err(e),
        }
    };
    let (describe, inline, mut managed, mut customer, boundary) =
        futures::try_join!(describe, inline, managed, customer, boundary)?;
    let ps = describe.permission_set();
    managed.sort();
    customer.sort();
    Ok(PermissionSet {
        arn: arn.to_owned(),
        instance_arn: instance.to_owned(),
        name: ps.and_then(|p| p.name()).unwrap_or_default().to_owned(),
        description: ps.and_then(|p| p.description()).map(str::to_owned),
        session_duration: ps.and_then(|p| p.session_duration()).map(str::to_owned),
        relay_state: ps.and_then(|p| p.relay_state()).map(str::to_owned),
        inline_policy: inline
            .inline_policy()
            .filter(|p| !p.is_empty())
            .map(str::to_owned),
        managed_policies: managed,
        customer_managed_policies: customer,
        permissions_boundary: boundary,
    })
}

pub async fn permission_sets(
    c: &Clients,
    gate: &Gate,
    instance: &str,
    arns: &[String],
) -> Result<Vec<PermissionSet>> {
    stream::iter(arns.iter())
        .map(|arn| permission_set(c, gate, instance, arn))
        .buffered(CONCURRENCY / 4)
        .try_collect()
        .await
}

/// Every account a permission set is provisioned to now.
pub async fn accounts_provisioned(
    c: &Clients,
    gate: &Gate,
    instance: &str,
    ps: &str,
) -> Result<Vec<String>> {
    provisioned_accounts(c, gate, instance, ps, None).await
}

async fn provisioned_accounts(
    c: &Clients,
    gate: &Gate,
    instance: &str,
    ps: &str,
    status: Option<ProvisioningStatus>,
) -> Result<Vec<String>> {
    paginate(|token| {
        let status = status.clone();
        async move {
            let out = gate
                .call(
                    Service::SsoAdmin,
                    &c.account_id,
                    "ListAccountsForProvisionedPermissionSet",
                    || {
                        c.sso
                            .list_accounts_for_provisioned_permission_set()
                            .instance_arn(instance)
                            .permission_set_arn(ps)
                            .set_provisioning_status(status.clone())
                            .max_results(PAGE)
                            .set_next_token(token.clone())
                            .send()
                    },
                )
                .await?;
            Ok((
                out.account_ids().to_vec(),
                out.next_token().map(str::to_owned),
            ))
        }
    })
    .await
}

/// Where each permission set is provisioned, and where that copy is outdated (with why
/// AWS's last provisioning to it failed, when it did).
pub async fn provisioned(
    c: &Clients,
    gate: &Gate,
    instance: &str,
    arns: &[String],
) -> Result<Vec<Provisioned>> {
    let mut all = fan_out(arns, CONCURRENCY / 2, |ps| async move {
        let (all, outdated) = futures::try_join!(
            provisioned_accounts(c, gate, instance, ps, None),
            provisioned_accounts(
                c,
                gate,
                instance,
                ps,
                Some(ProvisioningStatus::LatestPermissionSetNotProvisioned)
            ),
        )?;
        Ok::<_, crate::error::Error>(
            all.into_iter()
                .map(|account_id| Provisioned {
                    instance_arn: instance.to_owned(),
                    permission_set_arn: ps.clone(),
                    outdated: outdated.contains(&account_id),
                    account_id,
                    failure: None,
                })
                .collect(),
        )
    })
    .await?;
    if all.iter().any(|p| p.outdated) {
        let failures = provisioning_failures(c, gate, instance).await?;
        for p in all.iter_mut().filter(|p| p.outdated) {
            p.failure = failures
                .get(&(p.permission_set_arn.clone(), p.account_id.clone()))
                .cloned();
        }
    }
    Ok(all)
}

/// At most this many failed provisioning requests are described (newest first): the
/// listing keeps every request AWS remembers, and only the latest failure per account
/// matters.
const FAILURES_DESCRIBED: usize = 50;

/// Why provisioning failed, per (permission set, account): the newest FAILED requests
/// (ListPermissionSetProvisioningStatus filtered on FAILED, then each described).
async fn provisioning_failures(
    c: &Clients,
    gate: &Gate,
    instance: &str,
) -> Result<std::collections::HashMap<(String, String), String>> {
    use aws_sdk_ssoadmin::types::{OperationStatusFilter, StatusValues};
    let filter = OperationStatusFilter::builder()
        .status(StatusValues::Failed)
        .build();
    let mut failed: Vec<(f64, String)> = paginate(|token| {
        let filter = filter.clone();
        async move {
            let out = gate
                .call(
                    Service::SsoAdmin,
                    &c.account_id,
                    "ListPermissionSetProvisioningStatus",
                    || {
                        c.sso
                            .list_permission_set_provisioning_status()
                            .instance_arn(instance)
                            .filter(filter.clone())
                            .max_results(PAGE)
                            .set_next_token(token.clone())
                            .send()
                    },
                )
                .await?;
            let items = out
                .permission_sets_provisioning_status()
                .iter()
                .filter(|s| s.status() == Some(&StatusValues::Failed))
                .filter_map(|s| {
                    let at = s.created_date().map(|d| d.as_secs_f64()).unwrap_or(0.0);
                    s.request_id().map(|r| (at, r.to_owned()))
                })
                .collect();
            Ok((items, out.next_token().map(str::to_owned)))
        }
    })
    .await?;
    failed.sort_by(|a, b| b.0.total_cmp(&a.0));
    let mut out = std::collections::HashMap::new();
    for (_, rid) in failed.into_iter().take(FAILURES_DESCRIBED) {
        let (status, ps, account) =
            super::changes::provisioning_request(c, gate, instance, &rid).await?;
        if let (super::changes::Status::Failed(reason), Some(account)) = (status.status, account) {
            // Newest first: an older failure does not replace a newer one.
            out.entry((ps, account)).or_insert(reason);
        }
    }
    Ok(out)
}
