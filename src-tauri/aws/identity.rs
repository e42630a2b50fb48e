//! Identity Store writes: users and group memberships (synchronous in AWS).

use aws_sdk_identitystore::types::{AlternateIdentifier, Email, MemberId, Name, UniqueAttribute};

use super::call::Service;
use super::{paginate, Clients, Gate};
use crate::error::{AwsErrorKind, Error, Result};
use crate::model::{NewUser, User};

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
        status: u.user_status().map(|s| s.as_str().to_owned()),
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
