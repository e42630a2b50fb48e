//! The member accounts: entered through `OrganizationAccountAccessRole` to find the
//! account instances they hold (all ACTIVE ones on a full scan, otherwise the known
//! holders), and what the sync records of them.

use std::collections::BTreeSet;

use futures::stream::{self, StreamExt};

use super::context::{instance, report, Prior, SyncOptions};
use crate::aws::sso::InstanceMeta;
use crate::aws::{org, sso, Session};
use crate::error::Result;
use crate::model::*;

/// Member accounts entered at once during a scan.
const MEMBER_CONCURRENCY: usize = 8;

/// What one member account showed.
enum Visit {
    Entered(Vec<InstanceMeta>),
    Refused(String),
}

async fn visit(session: &Session, account: &str) -> Visit {
    let clients = match session.enter_member(account).await {
        Ok(c) => c,
        Err(e) => return Visit::Refused(e.to_string()),
    };
    match sso::instances(&clients, &session.gate).await {
        Ok(list) => Visit::Entered(list),
        Err(e) => Visit::Refused(e.to_string()),
    }
}

pub(super) struct Members {
    pub(super) organization: Organization,
    pub(super) ous: Vec<OrgUnit>,
    pub(super) accounts: Vec<Account>,
    pub(super) admins: Vec<String>,
    pub(super) scan: Vec<MemberAccess>,
    pub(super) account_instances: Vec<Instance>,
}

/// The organization, then the member accounts (all of them on a full scan, otherwise
/// those known to hold an account instance) and the account instances they hold.
pub(super) async fn organization_and_members(
    session: &Session,
    prior: &Prior,
    full_scan: bool,
    opts: &SyncOptions,
    known: &BTreeSet<String>,
) -> Result<Members> {
    let gate = &session.gate;
    let mgmt = &session.management;
    report(
        session,
        opts,
        "organization",
        "reading the organization, OUs and accounts".into(),
    );
    let organization = org::describe_organization(mgmt, gate).await?;
    let (ous, accounts) = org::tree(mgmt, gate).await?;
    let admins = org::delegated_admins(mgmt, gate).await?;
    report(
        session,
        opts,
        "organization",
        format!("{} accounts in {} OUs", accounts.len(), ous.len()),
    );
    // Only ACTIVE accounts can be entered; the others are noted, not visited.
    let inactive: Vec<&Account> = accounts
        .iter()
        .filter(|a| a.id != mgmt.account_id && !a.is_active())
        .collect();
    let members: Vec<String> = if full_scan {
        accounts
            .iter()
            .filter(|a| a.id != mgmt.account_id && a.is_active())
            .map(|a| a.id.clone())
            .collect()
    } else {
        let mut set: BTreeSet<String> = prior.holders.iter().cloned().collect();
        set.remove(&mgmt.account_id);
        for a in &inactive {
            set.remove(&a.id);
        }
        set.into_iter().collect()
    };
    report(
        session,
        opts,
        "members",
        format!(
            "visiting {} member account(s){}",
            members.len(),
            if full_scan { " (full scan)" } else { "" }
        ),
    );
    let visits: Vec<(String, Visit)> = stream::iter(members.iter())
        .map(|account| async move { (account.clone(), visit(session, account).await) })
        .buffer_unordered(MEMBER_CONCURRENCY)
        .collect()
        .await;
    let mut seen = known.clone();
    let mut scan: Vec<MemberAccess> = inactive
        .iter()
        .map(|a| MemberAccess {
            account_id: a.id.clone(),
            reachable: false,
            holds_instance: false,
            detail: Some(format!(
                "not visited: the account is {} in Organizations (only ACTIVE accounts can be entered)",
                a.state()
            )),
        })
        .collect();
    let mut account_instances = Vec::new();
    for (account, v) in visits {
        match v {
            Visit::Entered(metas) => {
                // A delegated administrator's ListInstances shows the organization instance
                // itself (owned by the management account): not an instance of its own.
                let own: Vec<InstanceMeta> = metas
                    .into_iter()
                    .filter(|m| m.owner_account_id != mgmt.account_id)
                    .collect();
                scan.push(MemberAccess {
                    account_id: account.clone(),
                    reachable: true,
                    holds_instance: !own.is_empty(),
                    detail: None,
                });
                for meta in own {
                    if seen.insert(meta.instance_arn.clone()) {
                        account_instances.push(instance(
                            &meta,
                            &session.region,
                            InstanceSource::Account,
                            &account,
                        ));
                    }
                }
            }
            // An account instance gives no access to AWS accounts, so an account that
            // cannot be entered loses nothing the snapshot needs: recorded, not fatal. The
            // account instance it was known to hold is kept as last seen.
            Visit::Refused(why) => {
                let kept: Vec<Instance> = prior
                    .account_instances
                    .iter()
                    .filter(|i| i.accessed_from == account && seen.insert(i.instance_arn.clone()))
                    .cloned()
                    .collect();
                scan.push(MemberAccess {
                    account_id: account,
                    reachable: false,
                    holds_instance: !kept.is_empty(),
                    detail: Some(why),
                });
                account_instances.extend(kept);
            }
        }
    }
    account_instances.sort_by(|a: &Instance, b: &Instance| a.instance_arn.cmp(&b.instance_arn));
    scan.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    Ok(Members {
        organization,
        ous,
        accounts,
        admins,
        scan,
        account_instances,
    })
}

/// What this sync records of the member accounts: a full scan as it is; otherwise, when a
/// holder could not be entered, the last full scan with what changed laid over it.
pub(super) fn scan_to_record(
    prior: &Prior,
    full_scan: bool,
    scan: Vec<MemberAccess>,
) -> Option<Vec<MemberAccess>> {
    if full_scan {
        return Some(scan);
    }
    if scan.iter().all(|m| m.reachable) {
        return None;
    }
    let visited: BTreeSet<String> = scan.iter().map(|m| m.account_id.clone()).collect();
    let mut merged: Vec<MemberAccess> = prior
        .scan
        .iter()
        .filter(|old| !visited.contains(&old.account_id))
        .cloned()
        .chain(scan)
        .collect();
    merged.sort_by(|a, b| a.account_id.cmp(&b.account_id));
    Some(merged)
}
