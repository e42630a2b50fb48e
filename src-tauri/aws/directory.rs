//! Identity Store: users, groups and group memberships of one identity store.

use aws_sdk_identitystore::types::MemberId;

use super::call::Service;
use super::{fan_out, paginate, Clients, Gate};
use crate::error::Result;
use crate::model::{Group, Membership, User};

/// The largest page Identity Store serves.
const PAGE: i32 = 100;
/// Requests in flight at once; the rate limiter is what really paces them.
const CONCURRENCY: usize = 16;

pub async fn users(c: &Clients, gate: &Gate, store: &str) -> Result<Vec<User>> {
    paginate(|token| async move {
        let out = gate
            .call(Service::IdentityStore, &c.account_id, "ListUsers", || {
                c.ids
                    .list_users()
                    .identity_store_id(store)
                    .max_results(PAGE)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        let items = out
            .users()
            .iter()
            .map(|u| User {
                identity_store_id: store.to_owned(),
                user_id: u.user_id().to_owned(),
                user_name: u.user_name().unwrap_or_default().to_owned(),
                display_name: u.display_name().map(str::to_owned),
                given_name: u.name().and_then(|n| n.given_name()).map(str::to_owned),
                family_name: u.name().and_then(|n| n.family_name()).map(str::to_owned),
                email: primary_email(u.emails()),
                status: u.user_status().map(|s| s.as_str().to_owned()),
            })
            .collect();
        Ok((items, out.next_token().map(str::to_owned)))
    })
    .await
}

/// The primary email address, or the first one.
pub(crate) fn primary_email(emails: &[aws_sdk_identitystore::types::Email]) -> Option<String> {
    emails
        .iter()
        .find(|e| e.primary())
        .or_else(|| emails.first())
        .and_then(|e| e.value().map(str::to_owned))
}

pub async fn groups(c: &Clients, gate: &Gate, store: &str) -> Result<Vec<Group>> {
    paginate(|token| async move {
        let out = gate
            .call(Service::IdentityStore, &c.account_id, "ListGroups", || {
                c.ids
                    .list_groups()
                    .identity_store_id(store)
                    .max_results(PAGE)
                    .set_next_token(token.clone())
                    .send()
            })
            .await?;
        let items = out
            .groups()
            .iter()
            .map(|g| Group {
                identity_store_id: store.to_owned(),
                group_id: g.group_id().to_owned(),
                display_name: g.display_name().unwrap_or_default().to_owned(),
                description: g.description().map(str::to_owned),
            })
            .collect();
        Ok((items, out.next_token().map(str::to_owned)))
    })
    .await
}

pub(crate) async fn members_of(
    c: &Clients,
    gate: &Gate,
    store: &str,
    group_id: &str,
) -> Result<Vec<Membership>> {
    paginate(|token| async move {
        let out = gate
            .call(
                Service::IdentityStore,
                &c.account_id,
                "ListGroupMemberships",
                || {
                    c.ids
                        .list_group_memberships()
                        .identity_store_id(store)
                        .group_id(group_id)
                        .max_results(PAGE)
                        .set_next_token(token.clone())
                        .send()
                },
            )
            .await?;
        let items = out
            .group_memberships()
            .iter()
            .filter_map(|m| match m.member_id() {
                Some(MemberId::UserId(user_id)) => Some(Membership {
                    identity_store_id: store.to_owned(),
                    group_id: group_id.to_owned(),
                    user_id: user_id.clone(),
                }),
                _ => None,
            })
            .collect();
        Ok((items, out.next_token().map(str::to_owned)))
    })
    .await
}

/// Every membership of `groups`, one paginated listing per group (fewer calls than per user).
pub async fn memberships(
    c: &Clients,
    gate: &Gate,
    store: &str,
    groups: &[Group],
) -> Result<Vec<Membership>> {
    fan_out(groups, CONCURRENCY, |g| {
        members_of(c, gate, store, &g.group_id)
    })
    .await
}

/// One `ListUsers` call of one user: can this session read the identity store?
pub async fn probe(c: &Clients, gate: &Gate, store: &str) -> Result<()> {
    gate.call(Service::IdentityStore, &c.account_id, "ListUsers", || {
        c.ids
            .list_users()
            .identity_store_id(store)
            .max_results(1)
            .send()
    })
    .await
    .map(|_| ())
}
