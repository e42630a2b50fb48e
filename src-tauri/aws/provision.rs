//! The writing calls: assignment changes (asynchronous in AWS), users, group memberships.

use aws_sdk_identitystore::types::{AlternateIdentifier, Email, MemberId, Name, UniqueAttribute};
use aws_sdk_ssoadmin::types::{
    OperationStatusFilter, PrincipalType as SdkPrincipal, StatusValues, TargetType,
};

use super::call::Service;
use super::{paginate, Clients, Gate};
use crate::error::{AwsErrorKind, Error, Result};
use crate::model::{PrincipalType, User};

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
            Error::Store("AWS answered an assignment change without a request id".into())
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
            status(
                s.and_then(|s| s.request_id()),
                s.and_then(|s| s.status()),
                s.and_then(|s| s.failure_reason()),
            )
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
            status(
                s.and_then(|s| s.request_id()),
                s.and_then(|s| s.status()),
                s.and_then(|s| s.failure_reason()),
            )
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
            let st = status(
                s.and_then(|s| s.request_id()),
                s.and_then(|s| s.status()),
                s.and_then(|s| s.failure_reason()),
            )?;
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

/// Request ids of the instance's changes AWS still has in progress.
pub async fn in_progress(
    c: &Clients,
    gate: &Gate,
    change: Change,
    instance: &str,
) -> Result<Vec<String>> {
    let filter = OperationStatusFilter::builder()
        .status(StatusValues::InProgress)
        .build();
    paginate(|token| {
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

/// The attributes of a user to create.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct NewUser {
    pub user_name: String,
    pub given_name: String,
    pub family_name: String,
    pub display_name: String,
    pub email: String,
}

/// Creates a user; returns its id.
pub async fn create_user(c: &Clients, gate: &Gate, store: &str, u: &NewUser) -> Result<String> {
    let out = gate
        .call(Service::IdentityStore, &c.account_id, "CreateUser", || {
            c.ids
                .create_user()
                .identity_store_id(store)
                .user_name(&u.user_name)
                .display_name(&u.display_name)
                .name(
                    Name::builder()
                        .given_name(&u.given_name)
                        .family_name(&u.family_name)
                        .build(),
                )
                .emails(
                    Email::builder()
                        .value(&u.email)
                        .r#type("work")
                        .primary(true)
                        .build(),
                )
                .send()
        })
        .await?;
    Ok(out.user_id().to_owned())
}

/// The id of the user with this user name, if there is one.
pub async fn find_user(
    c: &Clients,
    gate: &Gate,
    store: &str,
    user_name: &str,
) -> Result<Option<String>> {
    let id = AlternateIdentifier::UniqueAttribute(
        UniqueAttribute::builder()
            .attribute_path("UserName")
            .attribute_value(aws_smithy_types::Document::String(user_name.to_owned()))
            .build()
            .map_err(|e| Error::InvalidInput(e.to_string()))?,
    );
    match gate
        .call(Service::IdentityStore, &c.account_id, "GetUserId", || {
            c.ids
                .get_user_id()
                .identity_store_id(store)
                .alternate_identifier(id.clone())
                .send()
        })
        .await
    {
        Ok(out) => Ok(Some(out.user_id().to_owned())),
        Err(e) if e.aws_kind() == Some(AwsErrorKind::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// One user as the snapshot stores it.
pub async fn describe_user(c: &Clients, gate: &Gate, store: &str, user_id: &str) -> Result<User> {
    let u = gate
        .call(
            Service::IdentityStore,
            &c.account_id,
            "DescribeUser",
            || {
                c.ids
                    .describe_user()
                    .identity_store_id(store)
                    .user_id(user_id)
                    .send()
            },
        )
        .await?;
    Ok(User {
        identity_store_id: store.to_owned(),
        user_id: u.user_id().to_owned(),
        user_name: u.user_name().unwrap_or_default().to_owned(),
        display_name: u.display_name().map(str::to_owned),
        given_name: u.name().and_then(|n| n.given_name()).map(str::to_owned),
        family_name: u.name().and_then(|n| n.family_name()).map(str::to_owned),
        email: super::directory::primary_email(u.emails()),
    })
}

/// The user's memberships: (membership id, group id).
pub async fn memberships_of(
    c: &Clients,
    gate: &Gate,
    store: &str,
    user_id: &str,
) -> Result<Vec<(String, String)>> {
    paginate(|token| async move {
        let out = gate
            .call(
                Service::IdentityStore,
                &c.account_id,
                "ListGroupMembershipsForMember",
                || {
                    c.ids
                        .list_group_memberships_for_member()
                        .identity_store_id(store)
                        .member_id(MemberId::UserId(user_id.to_owned()))
                        .max_results(100)
                        .set_next_token(token.clone())
                        .send()
                },
            )
            .await?;
        let items = out
            .group_memberships()
            .iter()
            .filter_map(|m| Some((m.membership_id().to_owned(), m.group_id()?.to_owned())))
            .collect();
        Ok((items, out.next_token().map(str::to_owned)))
    })
    .await
}

/// Adds a user to a group. Already a member counts as done.
pub async fn add_member(
    c: &Clients,
    gate: &Gate,
    store: &str,
    group_id: &str,
    user_id: &str,
) -> Result<()> {
    match gate
        .call(
            Service::IdentityStore,
            &c.account_id,
            "CreateGroupMembership",
            || {
                c.ids
                    .create_group_membership()
                    .identity_store_id(store)
                    .group_id(group_id)
                    .member_id(MemberId::UserId(user_id.to_owned()))
                    .send()
            },
        )
        .await
    {
        Ok(_) => Ok(()),
        Err(e) if e.aws_kind() == Some(AwsErrorKind::Conflict) => {
            let groups = memberships_of(c, gate, store, user_id).await?;
            if groups.iter().any(|(_, g)| g == group_id) {
                Ok(())
            } else {
                Err(e)
            }
        }
        Err(e) => Err(e),
    }
}

/// Removes a user from a group. Not a member counts as done.
pub async fn remove_member(
    c: &Clients,
    gate: &Gate,
    store: &str,
    group_id: &str,
    user_id: &str,
) -> Result<()> {
    let memberships = memberships_of(c, gate, store, user_id).await?;
    for (membership, _) in memberships.iter().filter(|(_, g)| g == group_id) {
        gate.call(
            Service::IdentityStore,
            &c.account_id,
            "DeleteGroupMembership",
            || {
                c.ids
                    .delete_group_membership()
                    .identity_store_id(store)
                    .membership_id(membership)
                    .send()
            },
        )
        .await?;
    }
    Ok(())
}
