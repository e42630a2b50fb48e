//! IAM Identity Center admin: account assignments, read one of two ways (see sync/strategy.rs).

use aws_sdk_ssoadmin::types::PrincipalType as SdkPrincipal;

use super::call::Service;
use super::sso::{CONCURRENCY, PAGE};
use super::{fan_out, paginate, Clients, Gate};
use crate::error::Result;
use crate::model::{Assignment, PrincipalType, Provisioned};

fn principal(kind: Option<&SdkPrincipal>) -> Option<PrincipalType> {
    match kind? {
        SdkPrincipal::User => Some(PrincipalType::User),
        SdkPrincipal::Group => Some(PrincipalType::Group),
        _ => None,
    }
}

/// An assignment from either listing's fields; `None` when AWS left one out.
fn assignment(
    instance: &str,
    account: Option<&str>,
    permission_set: Option<&str>,
    principal_type: Option<PrincipalType>,
    principal_id: Option<&str>,
) -> Option<Assignment> {
    Some(Assignment {
        instance_arn: instance.to_owned(),
        account_id: account?.to_owned(),
        permission_set_arn: permission_set?.to_owned(),
        principal_type: principal_type?,
        principal_id: principal_id?.to_owned(),
    })
}

/// Assignments of one (permission set, account) pair.
pub(crate) async fn pair_assignments(
    c: &Clients,
    gate: &Gate,
    instance: &str,
    ps: &str,
    account: &str,
) -> Result<Vec<Assignment>> {
    paginate(|token| async move {
        let out = gate
            .call(
                Service::SsoAdmin,
                &c.account_id,
                "ListAccountAssignments",
                || {
                    c.sso
                        .list_account_assignments()
                        .instance_arn(instance)
                        .account_id(account)
                        .permission_set_arn(ps)
                        .max_results(PAGE)
                        .set_next_token(token.clone())
                        .send()
                },
            )
            .await?;
        let items = out
            .account_assignments()
            .iter()
            .filter_map(|a| {
                assignment(
                    instance,
                    a.account_id(),
                    a.permission_set_arn(),
                    principal(a.principal_type()),
                    a.principal_id(),
                )
            })
            .collect();
        Ok((items, out.next_token().map(str::to_owned)))
    })
    .await
}

/// Every assignment, one listing per provisioned (permission set, account) pair.
pub async fn by_pairs(
    c: &Clients,
    gate: &Gate,
    instance: &str,
    pairs: &[Provisioned],
) -> Result<Vec<Assignment>> {
    fan_out(pairs, CONCURRENCY, |p| {
        pair_assignments(c, gate, instance, &p.permission_set_arn, &p.account_id)
    })
    .await
}

/// What one user or group has access to, as AWS lists it: for a user, its own
/// assignments and those of its groups, each row with its own principal. Valid only
/// from the management account, for the organization instance.
pub async fn principal_assignments(
    c: &Clients,
    gate: &Gate,
    instance: &str,
    kind: PrincipalType,
    id: &str,
) -> Result<Vec<Assignment>> {
    let sdk_kind = match kind {
        PrincipalType::User => SdkPrincipal::User,
        PrincipalType::Group => SdkPrincipal::Group,
    };
    paginate(|token| {
        let sdk_kind = sdk_kind.clone();
        async move {
            let out = gate
                .call(
                    Service::SsoAdmin,
                    &c.account_id,
                    "ListAccountAssignmentsForPrincipal",
                    || {
                        c.sso
                            .list_account_assignments_for_principal()
                            .instance_arn(instance)
                            .principal_id(id)
                            .principal_type(sdk_kind.clone())
                            .max_results(PAGE)
                            .set_next_token(token.clone())
                            .send()
                    },
                )
                .await?;
            let items = out
                .account_assignments()
                .iter()
                .filter_map(|a| {
                    // Each row names its own principal: a user's listing also holds the
                    // rows of its groups, with the group's type and id.
                    assignment(
                        instance,
                        a.account_id(),
                        a.permission_set_arn(),
                        principal(a.principal_type()),
                        a.principal_id(),
                    )
                })
                .collect();
            Ok((items, out.next_token().map(str::to_owned)))
        }
    })
    .await
}

/// The assignments whose principal is exactly this one (a user's listing without the
/// rows it reaches through its groups).
pub async fn own_assignments(
    c: &Clients,
    gate: &Gate,
    instance: &str,
    kind: PrincipalType,
    id: &str,
) -> Result<Vec<Assignment>> {
    let mut rows = principal_assignments(c, gate, instance, kind, id).await?;
    rows.retain(|a| a.principal_type == kind && a.principal_id == id);
    Ok(rows)
}

/// Every assignment, one listing per user and group; the rows a user reaches through
/// its groups are the groups' own rows, listed once.
pub async fn by_principal(
    c: &Clients,
    gate: &Gate,
    instance: &str,
    principals: &[(PrincipalType, String)],
) -> Result<Vec<Assignment>> {
    let mut rows = fan_out(principals, CONCURRENCY, |(kind, id)| {
        principal_assignments(c, gate, instance, *kind, id)
    })
    .await?;
    rows.sort();
    rows.dedup();
    Ok(rows)
}
