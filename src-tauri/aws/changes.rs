//! The writing calls for assignments, which AWS applies asynchronously; users and
//! memberships are in `identity`.

pub use super::identity::*;

use aws_sdk_ssoadmin::types::{
    OperationStatusFilter, PrincipalType as SdkPrincipal, StatusValues, TargetType,
};

use super::call::Service;
use super::{paginate, paginate_at_most, Clients, Gate};
use crate::error::{Error, Result};
use crate::model::PrincipalType;

/// Create or delete: the two asynchronous assignment changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Change {
    Create,
    Delete,
}

/// Where an asynchronous assignment change stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    InProgress,
    Succeeded,
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AsyncStatus {
    pub request_id: String,
    pub status: Status,
}

/// The assignment an operation is about.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Target {
    pub instance_arn: String,
    pub account_id: String,
    pub permission_set_arn: String,
    pub principal_type: PrincipalType,
    pub principal_id: String,
}

fn sdk_principal(p: PrincipalType) -> SdkPrincipal {
    match p {
        PrincipalType::User => SdkPrincipal::User,
        PrincipalType::Group => SdkPrincipal::Group,
    }
}

fn status(
    request_id: Option<&str>,
    status: Option<&StatusValues>,
    reason: Option<&str>,
) -> Result<AsyncStatus> {
    let request_id = request_id
        .ok_or_else(|| {
            Error::Internal("AWS answered an assignment change without a request id".into())
        })?
        .to_owned();
    let status = match status {
        Some(StatusValues::Succeeded) => Status::Succeeded,
        Some(StatusValues::Failed) => {
            Status::Failed(reason.unwrap_or("AWS gave no reason").to_owned())
        }
        _ => Status::InProgress,
    };
    Ok(AsyncStatus { request_id, status })
}

/// The status AWS returned: each asynchronous operation's status type has the same three
/// fields but is a type of its own.
macro_rules! status_of {
    ($s:expr) => {
        status(
            $s.and_then(|s| s.request_id()),
            $s.and_then(|s| s.status()),
            $s.and_then(|s| s.failure_reason()),
        )
    };
}

/// Sends `CreateAccountAssignment` or `DeleteAccountAssignment`.
pub async fn submit(c: &Clients, gate: &Gate, change: Change, t: &Target) -> Result<AsyncStatus> {
    match change {
        Change::Create => {
            let out = gate
                .call(
                    Service::SsoAdmin,
                    &c.account_id,
                    "CreateAccountAssignment",
                    || {
                        c.sso
                            .create_account_assignment()
                            .instance_arn(&t.instance_arn)
                            .target_id(&t.account_id)
                            .target_type(TargetType::AwsAccount)
                            .permission_set_arn(&t.permission_set_arn)
                            .principal_type(sdk_principal(t.principal_type))
                            .principal_id(&t.principal_id)
                            .send()
                    },
                )
                .await?;
            let s = out.account_assignment_creation_status();
            status_of!(s)
        }
        Change::Delete => {
            let out = gate
                .call(
                    Service::SsoAdmin,
                    &c.account_id,
                    "DeleteAccountAssignment",
                    || {
                        c.sso
                            .delete_account_assignment()
                            .instance_arn(&t.instance_arn)
                            .target_id(&t.account_id)
                            .target_type(TargetType::AwsAccount)
                            .permission_set_arn(&t.permission_set_arn)
                            .principal_type(sdk_principal(t.principal_type))
                            .principal_id(&t.principal_id)
                            .send()
                    },
                )
                .await?;
            let s = out.account_assignment_deletion_status();
            status_of!(s)
        }
    }
}

/// The status of one change, with the target AWS recorded for it.
pub async fn describe(
    c: &Clients,
    gate: &Gate,
    change: Change,
    instance: &str,
    request_id: &str,
) -> Result<(AsyncStatus, Option<(String, String, String)>)> {
    macro_rules! read {
        ($s:expr) => {{
            let s = $s;
            let st = status_of!(s)?;
            let target = s.and_then(|s| {
                Some((
                    s.target_id()?.to_owned(),
                    s.permission_set_arn()?.to_owned(),
                    s.principal_id()?.to_owned(),
                ))
            });
            Ok((st, target))
        }};
    }
    match change {
        Change::Create => {
            let out = gate
                .call(
                    Service::SsoAdmin,
                    &c.account_id,
                    "DescribeAccountAssignmentCreationStatus",
                    || {
                        c.sso
                            .describe_account_assignment_creation_status()
                            .instance_arn(instance)
                            .account_assignment_creation_request_id(request_id)
                            .send()
                    },
                )
                .await?;
            read!(out.account_assignment_creation_status())
        }
        Change::Delete => {
            let out = gate
                .call(
                    Service::SsoAdmin,
                    &c.account_id,
                    "DescribeAccountAssignmentDeletionStatus",
                    || {
                        c.sso
                            .describe_account_assignment_deletion_status()
                            .instance_arn(instance)
                            .account_assignment_deletion_request_id(request_id)
                            .send()
                    },
                )
                .await?;
            read!(out.account_assignment_deletion_status())
        }
    }
}

/// The states an instance's assignment changes are listed by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListedStatus {
    InProgress,
    Succeeded,
}

impl ListedStatus {
    fn sdk(self) -> StatusValues {
        match self {
            ListedStatus::InProgress => StatusValues::InProgress,
            ListedStatus::Succeeded => StatusValues::Succeeded,
        }
    }
}

/// Request ids of the instance's changes AWS still has in progress.
pub async fn in_progress(
    c: &Clients,
    gate: &Gate,
    change: Change,
    instance: &str,
) -> Result<Vec<String>> {
    Ok(requests(
        c,
        gate,
        change,
        instance,
        ListedStatus::InProgress,
        usize::MAX,
    )
    .await?
    .unwrap_or_default())
}

/// Request ids of the instance's changes in `status` (one listing, ≤ `max_pages` pages;
/// `None` if there are more).
pub async fn requests(
    c: &Clients,
    gate: &Gate,
    change: Change,
    instance: &str,
    status: ListedStatus,
    max_pages: usize,
) -> Result<Option<Vec<String>>> {
    let filter = OperationStatusFilter::builder()
        .status(status.sdk())
        .build();
    paginate_at_most(max_pages, |token| {
        let filter = filter.clone();
        async move {
            match change {
                Change::Create => {
                    let out = gate
                        .call(
                            Service::SsoAdmin,
                            &c.account_id,
                            "ListAccountAssignmentCreationStatus",
                            || {
                                c.sso
                                    .list_account_assignment_creation_status()
                                    .instance_arn(instance)
                                    .filter(filter.clone())
                                    .max_results(100)
                                    .set_next_token(token.clone())
                                    .send()
                            },
                        )
                        .await?;
                    let ids = out
                        .account_assignments_creation_status()
                        .iter()
                        .filter_map(|s| s.request_id().map(str::to_owned))
                        .collect();
                    Ok((ids, out.next_token().map(str::to_owned)))
                }
                Change::Delete => {
                    let out = gate
                        .call(
                            Service::SsoAdmin,
                            &c.account_id,
                            "ListAccountAssignmentDeletionStatus",
                            || {
                                c.sso
                                    .list_account_assignment_deletion_status()
                                    .instance_arn(instance)
                                    .filter(filter.clone())
                                    .max_results(100)
                                    .set_next_token(token.clone())
                                    .send()
                            },
                        )
                        .await?;
                    let ids = out
                        .account_assignments_deletion_status()
                        .iter()
                        .filter_map(|s| s.request_id().map(str::to_owned))
                        .collect();
                    Ok((ids, out.next_token().map(str::to_owned)))
                }
            }
        }
    })
    .await
}

/// Whether the assignment exists now.
pub async fn exists(c: &Clients, gate: &Gate, t: &Target) -> Result<bool> {
    let found = super::assignments::pair_assignments(
        c,
        gate,
        &t.instance_arn,
        &t.permission_set_arn,
        &t.account_id,
    )
    .await?;
    Ok(found
        .iter()
        .any(|a| a.principal_type == t.principal_type && a.principal_id == t.principal_id))
}

/// Provisions a permission set (`ProvisionPermissionSet`) to one account, or to every
/// account it is provisioned to when `account` is none (`ALL_PROVISIONED_ACCOUNTS`);
/// returns the request.
pub async fn reprovision(
    c: &Clients,
    gate: &Gate,
    instance: &str,
    ps: &str,
    account: Option<&str>,
) -> Result<AsyncStatus> {
    use aws_sdk_ssoadmin::types::ProvisionTargetType;
    let out = gate
        .change(
            Service::SsoAdmin,
            &c.account_id,
            "ProvisionPermissionSet",
            || {
                let call = c
                    .sso
                    .provision_permission_set()
                    .instance_arn(instance)
                    .permission_set_arn(ps);
                match account {
                    Some(a) => call
                        .target_type(ProvisionTargetType::AwsAccount)
                        .target_id(a),
                    None => call.target_type(ProvisionTargetType::AllProvisionedAccounts),
                }
                .send()
            },
        )
        .await?;
    let s = out.permission_set_provisioning_status();
    status_of!(s)
}

/// A permission set's inline policy as AWS holds it now (none when it has none).
pub async fn inline_policy(
    c: &Clients,
    gate: &Gate,
    instance: &str,
    ps: &str,
) -> Result<Option<String>> {
    let out = gate
        .call(
            Service::SsoAdmin,
            &c.account_id,
            "GetInlinePolicyForPermissionSet",
            || {
                c.sso
                    .get_inline_policy_for_permission_set()
                    .instance_arn(instance)
                    .permission_set_arn(ps)
                    .send()
            },
        )
        .await?;
    Ok(out
        .inline_policy()
        .filter(|p| !p.trim().is_empty())
        .map(str::to_owned))
}

/// Replaces a permission set's inline policy (`PutInlinePolicyToPermissionSet`), or
/// removes it when `policy` is none (`DeleteInlinePolicyFromPermissionSet`). The accounts
/// get it when the permission set is provisioned to them.
pub async fn set_inline_policy(
    c: &Clients,
    gate: &Gate,
    instance: &str,
    ps: &str,
    policy: Option<&str>,
) -> Result<()> {
    match policy {
        Some(p) => {
            gate.call(
                Service::SsoAdmin,
                &c.account_id,
                "PutInlinePolicyToPermissionSet",
                || {
                    c.sso
                        .put_inline_policy_to_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(ps)
                        .inline_policy(p)
                        .send()
                },
            )
            .await?;
        }
        None => {
            gate.call(
                Service::SsoAdmin,
                &c.account_id,
                "DeleteInlinePolicyFromPermissionSet",
                || {
                    c.sso
                        .delete_inline_policy_from_permission_set()
                        .instance_arn(instance)
                        .permission_set_arn(ps)
                        .send()
                },
            )
            .await?;
        }
    }
    Ok(())
}

/// Where a reprovisioning request stands.
pub async fn reprovision_status(
    c: &Clients,
    gate: &Gate,
    instance: &str,
    request_id: &str,
) -> Result<AsyncStatus> {
    Ok(provisioning_request(c, gate, instance, request_id).await?.0)
}

/// The instance's provisioning requests made at or after `since` (seconds since the
/// epoch, AWS's clock): ListPermissionSetProvisioningStatus gives each request's id and
/// creation date.
pub async fn provisioning_requests_since(
    c: &Clients,
    gate: &Gate,
    instance: &str,
    since: f64,
) -> Result<Vec<String>> {
    paginate(|token| async move {
        let out = gate
            .call(
                Service::SsoAdmin,
                &c.account_id,
                "ListPermissionSetProvisioningStatus",
                || {
                    c.sso
                        .list_permission_set_provisioning_status()
                        .instance_arn(instance)
                        .max_results(100)
                        .set_next_token(token.clone())
                        .send()
                },
            )
            .await?;
        let ids = out
            .permission_sets_provisioning_status()
            .iter()
            .filter(|s| s.created_date().is_none_or(|d| d.as_secs_f64() >= since))
            .filter_map(|s| s.request_id().map(str::to_owned))
            .collect();
        Ok((ids, out.next_token().map(str::to_owned)))
    })
    .await
}

/// A provisioning request: where it stands, and what it provisions (permission set ARN,
/// account; no account for a request to every provisioned account).
pub async fn provisioning_request(
    c: &Clients,
    gate: &Gate,
    instance: &str,
    request_id: &str,
) -> Result<(AsyncStatus, String, Option<String>)> {
    let out = gate
        .call(
            Service::SsoAdmin,
            &c.account_id,
            "DescribePermissionSetProvisioningStatus",
            || {
                c.sso
                    .describe_permission_set_provisioning_status()
                    .instance_arn(instance)
                    .provision_permission_set_request_id(request_id)
                    .send()
            },
        )
        .await?;
    let s = out.permission_set_provisioning_status();
    let status = status_of!(s)?;
    Ok((
        status,
        s.and_then(|s| s.permission_set_arn())
            .unwrap_or_default()
            .to_owned(),
        s.and_then(|s| s.account_id()).map(str::to_owned),
    ))
}
