//! The calls that author permission sets: one function sends one [`PsCall`], and the
//! reads that tell whether a call was applied (tags, a set by name, the provisioning
//! requests made since a moment).

use aws_sdk_ssoadmin::types::{
    CustomerManagedPolicyReference, PermissionsBoundary as SdkBoundary, Tag as SdkTag,
};

use super::call::Service;
use super::{paginate, Clients, Gate};
use crate::error::{AwsErrorKind, Error, Result};
use crate::model::operation::PsCall;
use crate::model::{CustomerManagedRef, PermissionsBoundary, Tag};

fn built<T>(what: &str, r: std::result::Result<T, impl std::fmt::Display>) -> Result<T> {
    r.map_err(|e| Error::Internal(format!("{what}: {e}")))
}

fn sdk_tags(tags: &[Tag]) -> Result<Vec<SdkTag>> {
    tags.iter()
        .map(|t| {
            built(
                "a tag",
                SdkTag::builder().key(&t.key).value(&t.value).build(),
            )
        })
        .collect()
}

fn sdk_ref(r: &CustomerManagedRef) -> Result<CustomerManagedPolicyReference> {
    built(
        "a customer-managed policy reference",
        CustomerManagedPolicyReference::builder()
            .name(&r.name)
            .path(&r.path)
            .build(),
    )
}

fn sdk_boundary(b: &PermissionsBoundary) -> Result<SdkBoundary> {
    let mut out = SdkBoundary::builder().set_managed_policy_arn(b.managed_policy_arn.clone());
    if let Some(r) = &b.customer_managed {
        out = out.customer_managed_policy_reference(sdk_ref(r)?);
    }
    Ok(out.build())
}

/// Sends `call` for the permission set `arn` (none only for its creation). Returns the
/// new permission set's ARN for a creation.
pub async fn send(
    c: &Clients,
    gate: &Gate,
    instance: &str,
    arn: Option<&str>,
    name: &str,
    call: &PsCall,
) -> Result<Option<String>> {
    let action = call.action();
    let ps = match (call, arn) {
        (PsCall::CreatePermissionSet { .. }, _) => "",
        (_, Some(arn)) => arn,
        (_, None) => {
            return Err(Error::Internal(format!(
                "{action} on permission set {name} before AWS created it"
            )))
        }
    };
    // Each call names its service and action where it is made (the policy test reads them).
    macro_rules! call {
        ($service:expr, $op:literal, $build:expr) => {
            gate.change($service, &c.account_id, $op, || $build.send())
                .await
                .map(|_| None)
        };
    }
    match call {
        PsCall::CreatePermissionSet {
            description,
            session_duration,
            relay_state,
            tags,
        } => {
            let tags = sdk_tags(tags)?;
            let out = gate
                .change(
                    Service::SsoAdmin,
                    &c.account_id,
                    "CreatePermissionSet",
                    || {
                        c.sso
                            .create_permission_set()
                            .instance_arn(instance)
                            .name(name)
                            .set_description(description.clone())
                            .session_duration(session_duration)
                            .set_relay_state(relay_state.clone())
                            .set_tags((!tags.is_empty()).then(|| tags.clone()))
                            .send()
                    },
                )
                .await?;
            let arn = out
                .permission_set()
                .and_then(|p| p.permission_set_arn())
                .ok_or_else(|| {
                    Error::Internal(format!(
                        "AWS created permission set {name} without saying its ARN"
                    ))
                })?;
            Ok(Some(arn.to_owned()))
        }
        PsCall::UpdatePermissionSet {
            description,
            session_duration,
            relay_state,
        } => call!(
            Service::SsoAdmin,
            "UpdatePermissionSet",
            c.sso
                .update_permission_set()
                .instance_arn(instance)
                .permission_set_arn(ps)
                .set_description(description.clone())
                .session_duration(session_duration)
                .set_relay_state(relay_state.clone())
        ),
        PsCall::PutInlinePolicy { policy } => call!(
            Service::SsoAdmin,
            "PutInlinePolicyToPermissionSet",
            c.sso
                .put_inline_policy_to_permission_set()
                .instance_arn(instance)
                .permission_set_arn(ps)
                .inline_policy(policy)
        ),
        PsCall::DeleteInlinePolicy => call!(
            Service::SsoAdmin,
            "DeleteInlinePolicyFromPermissionSet",
            c.sso
                .delete_inline_policy_from_permission_set()
                .instance_arn(instance)
                .permission_set_arn(ps)
        ),
        PsCall::AttachManagedPolicy { arn: policy } => call!(
            Service::SsoAdmin,
            "AttachManagedPolicyToPermissionSet",
            c.sso
                .attach_managed_policy_to_permission_set()
                .instance_arn(instance)
                .permission_set_arn(ps)
                .managed_policy_arn(policy)
        ),
        PsCall::DetachManagedPolicy { arn: policy } => call!(
            Service::SsoAdmin,
            "DetachManagedPolicyFromPermissionSet",
            c.sso
                .detach_managed_policy_from_permission_set()
                .instance_arn(instance)
                .permission_set_arn(ps)
                .managed_policy_arn(policy)
        ),
        PsCall::AttachCustomerManagedPolicy { reference } => {
            let r = sdk_ref(reference)?;
            call!(
                Service::SsoAdmin,
                "AttachCustomerManagedPolicyReferenceToPermissionSet",
                c.sso
                    .attach_customer_managed_policy_reference_to_permission_set()
                    .instance_arn(instance)
                    .permission_set_arn(ps)
                    .customer_managed_policy_reference(r.clone())
            )
        }
        PsCall::DetachCustomerManagedPolicy { reference } => {
            let r = sdk_ref(reference)?;
            call!(
                Service::SsoAdmin,
                "DetachCustomerManagedPolicyReferenceFromPermissionSet",
                c.sso
                    .detach_customer_managed_policy_reference_from_permission_set()
                    .instance_arn(instance)
                    .permission_set_arn(ps)
                    .customer_managed_policy_reference(r.clone())
            )
        }
        PsCall::PutPermissionsBoundary { boundary } => {
            let b = sdk_boundary(boundary)?;
            call!(
                Service::SsoAdmin,
                "PutPermissionsBoundaryToPermissionSet",
                c.sso
                    .put_permissions_boundary_to_permission_set()
                    .instance_arn(instance)
                    .permission_set_arn(ps)
                    .permissions_boundary(b.clone())
            )
        }
        PsCall::DeletePermissionsBoundary => call!(
            Service::SsoAdmin,
            "DeletePermissionsBoundaryFromPermissionSet",
            c.sso
                .delete_permissions_boundary_from_permission_set()
                .instance_arn(instance)
                .permission_set_arn(ps)
        ),
        PsCall::TagResource { tags } => {
            let tags = sdk_tags(tags)?;
            call!(
                Service::SsoAdmin,
                "TagResource",
                c.sso
                    .tag_resource()
                    .instance_arn(instance)
                    .resource_arn(ps)
                    .set_tags(Some(tags.clone()))
            )
        }
        PsCall::UntagResource { keys } => call!(
            Service::SsoAdmin,
            "UntagResource",
            c.sso
                .untag_resource()
                .instance_arn(instance)
                .resource_arn(ps)
                .set_tag_keys(Some(keys.clone()))
        ),
        PsCall::DeletePermissionSet => call!(
            Service::SsoAdmin,
            "DeletePermissionSet",
            c.sso
                .delete_permission_set()
                .instance_arn(instance)
                .permission_set_arn(ps)
        ),
    }
}

/// The permission set's tags (ListTagsForResource).
pub async fn tags(c: &Clients, gate: &Gate, instance: &str, arn: &str) -> Result<Vec<Tag>> {
    let mut all: Vec<Tag> = paginate(|token| async move {
        let out = gate
            .call(
                Service::SsoAdmin,
                &c.account_id,
                "ListTagsForResource",
                || {
                    c.sso
                        .list_tags_for_resource()
                        .instance_arn(instance)
                        .resource_arn(arn)
                        .set_next_token(token.clone())
                        .send()
                },
            )
            .await?;
        let items = out
            .tags()
            .iter()
            .map(|t| Tag {
                key: t.key().to_owned(),
                value: t.value().to_owned(),
            })
            .collect();
        Ok((items, out.next_token().map(str::to_owned)))
    })
    .await?;
    all.sort();
    Ok(all)
}

/// The permission set's name, or none when AWS has no such set (DescribePermissionSet).
async fn name_of(c: &Clients, gate: &Gate, instance: &str, arn: &str) -> Result<Option<String>> {
    let out = gate
        .call(
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
        )
        .await;
    match out {
        Ok(o) => Ok(Some(
            o.permission_set()
                .and_then(|p| p.name())
                .unwrap_or_default()
                .to_owned(),
        )),
        Err(e) if e.aws_kind() == Some(AwsErrorKind::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

/// The ARN of the instance's permission set named `name` (names are unique in an
/// instance: CreatePermissionSet answers ConflictException for a second one). A set
/// deleted between the listing and the look is not the one.
pub async fn find_by_name(
    c: &Clients,
    gate: &Gate,
    instance: &str,
    name: &str,
) -> Result<Option<String>> {
    for arn in super::sso::permission_set_arns(c, gate, instance).await? {
        if name_of(c, gate, instance, &arn).await?.as_deref() == Some(name) {
            return Ok(Some(arn));
        }
    }
    Ok(None)
}

/// Whether the permission set exists.
pub async fn exists(c: &Clients, gate: &Gate, instance: &str, arn: &str) -> Result<bool> {
    Ok(name_of(c, gate, instance, arn).await?.is_some())
}
