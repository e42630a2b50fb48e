//! After a batch: re-read from AWS only what it touched and write that as a new
//! snapshot (kind `refresh`), so every view shows the truth without a full sync.
//!
//! Assignments are re-read the cheaper way for each principal the batch changed: its
//! whole assignment list (one call per 100 assignments) when it was granted or revoked
//! in many accounts, otherwise one listing per (account, permission set) it touched.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::time::Instant;

use futures::stream::{self, StreamExt, TryStreamExt};
use rusqlite::Connection;

use super::op::{OpChange, Operation};
use crate::aws::{self, Clients, Session};
use crate::error::{Error, Result};
use crate::model::{OrgData, PrincipalType};
use crate::store::{queries, snapshots};

/// Listings in flight at once while refreshing.
const CONCURRENCY: usize = 8;

/// What to read again for one principal.
enum Read<'a> {
    /// Every assignment of the principal.
    Principal(&'a Principal),
    /// Every assignment of one (instance, account, permission set).
    Pair(&'a str, &'a str, &'a str),
}

async fn refresh_assignments(
    data: &mut OrgData,
    clients: &HashMap<String, Clients>,
    session: &Session,
    touched: &BTreeMap<Principal, BTreeSet<(String, String)>>,
) -> Result<()> {
    let mut reads = Vec::new();
    for (p, pairs) in touched {
        let (instance, kind, id) = p;
        // A user's listing also holds every row of its groups (AWS lists what the
        // principal has access to).
        let groups: BTreeSet<&str> = match kind {
            PrincipalType::User => data
                .memberships
                .iter()
                .filter(|m| &m.user_id == id)
                .map(|m| m.group_id.as_str())
                .collect(),
            PrincipalType::Group => BTreeSet::new(),
        };
        let held = data
            .assignments
            .iter()
            .filter(|a| {
                &a.instance_arn == instance
                    && ((a.principal_type == *kind && &a.principal_id == id)
                        || (a.principal_type == PrincipalType::Group
                            && groups.contains(a.principal_id.as_str())))
            })
            .count();
        // Listing the principal costs a call per 100 of those rows (as many as it may
        // have now), and AWS answers it only in the management account; listing the
        // pairs, a call each.
        let from_management = clients
            .get(instance)
            .is_some_and(|c| c.account_id == session.management.account_id);
        if from_management && (held + pairs.len()) / 100 + 1 < pairs.len() {
            reads.push(Read::Principal(p));
        } else {
            reads.extend(
                pairs
                    .iter()
                    .map(|(account, ps)| Read::Pair(instance, account, ps)),
            );
        }
    }
    let gate = &session.gate;
    let results: Vec<(&Read, Vec<crate::model::Assignment>)> = stream::iter(reads.iter())
        .map(|r| async move {
            let now = match r {
                Read::Principal((instance, kind, id)) => {
                    aws::assignments::own_assignments(&clients[instance], gate, instance, *kind, id)
                        .await?
                }
                Read::Pair(instance, account, ps) => {
                    aws::assignments::pair_assignments(
                        &clients[*instance],
                        gate,
                        instance,
                        ps,
                        account,
                    )
                    .await?
                }
            };
            Ok::<_, Error>((r, now))
        })
        .buffer_unordered(CONCURRENCY)
        .try_collect()
        .await?;
    for (r, now) in results {
        match r {
            Read::Principal((instance, kind, id)) => data.assignments.retain(|a| {
                !(&a.instance_arn == instance && a.principal_type == *kind && &a.principal_id == id)
            }),
            Read::Pair(instance, account, ps) => data.assignments.retain(|a| {
                !(a.instance_arn == *instance
                    && a.account_id == *account
                    && a.permission_set_arn == *ps)
            }),
        }
        data.assignments.extend(now);
    }
    data.assignments.sort();
    data.assignments.dedup();
    Ok(())
}

/// (instance, principal type, principal id).
pub type Principal = (String, PrincipalType, String);

/// What a change touched, to be read again.
#[derive(Debug, Default)]
pub struct Touched {
    /// Per principal granted or revoked: the (account, permission set) pairs changed.
    pub assignments: BTreeMap<Principal, BTreeSet<(String, String)>>,
    /// (instance, permission set): where it is provisioned, and whether outdated.
    pub sets: BTreeSet<(String, String)>,
    /// (instance, permission set): its definition (gone when the set was deleted).
    pub definitions: BTreeSet<(String, String)>,
    /// (instance, identity store, group): its members.
    pub groups: BTreeSet<(String, String, String)>,
    /// (instance, identity store, user).
    pub users: BTreeSet<(String, String, String)>,
}

impl Touched {
    pub fn of(changed: &[Operation]) -> Self {
        let mut t = Touched::default();
        for op in changed {
            let s = &op.spec;
            match &s.change {
                OpChange::Grant(a) | OpChange::Revoke(a) => {
                    t.sets
                        .insert((s.instance_arn.clone(), a.permission_set_arn.clone()));
                    t.assignments
                        .entry((
                            s.instance_arn.clone(),
                            a.principal_type,
                            a.principal_id.clone(),
                        ))
                        .or_default()
                        .insert((a.account_id.clone(), a.permission_set_arn.clone()));
                }
                OpChange::AddMember(m) | OpChange::RemoveMember(m) => {
                    t.groups.insert((
                        s.instance_arn.clone(),
                        m.identity_store_id.clone(),
                        m.group_id.clone(),
                    ));
                }
                OpChange::PermissionSet(p) => {
                    if let Some(arn) = &p.permission_set_arn {
                        t.definitions.insert((s.instance_arn.clone(), arn.clone()));
                        t.sets.insert((s.instance_arn.clone(), arn.clone()));
                    }
                }
                OpChange::Provision(p) => {
                    t.sets
                        .insert((s.instance_arn.clone(), p.permission_set_arn.clone()));
                }
                OpChange::CreateUser(u) => {
                    if let Some(id) = &u.principal_id {
                        t.users.insert((
                            s.instance_arn.clone(),
                            u.identity_store_id.clone(),
                            id.clone(),
                        ));
                    }
                }
            }
        }
        t
    }
}

/// Re-reads what was touched and writes it, over the newest snapshot, as a new
/// snapshot of kind `refresh`; returns its id.
pub async fn run(
    conn: &mut Connection,
    session: &Session,
    clients: &HashMap<String, Clients>,
    touched: &Touched,
) -> Result<i64> {
    let started_at = crate::clock::now_rfc3339();
    let clock = Instant::now();
    let calls_before = session.gate.calls();
    let latest = snapshots::latest_complete(conn)?
        .ok_or_else(|| Error::NotFound("there is no snapshot to refresh".into()))?;
    let mut data = queries::org_data(conn, latest)?;
    let gate = &session.gate;
    let Touched {
        assignments,
        sets,
        definitions,
        groups,
        users,
    } = touched;
    refresh_assignments(&mut data, clients, session, assignments).await?;
    let mut gone = BTreeSet::new();
    for (instance, arn) in definitions {
        data.permission_sets
            .retain(|p| !(&p.instance_arn == instance && &p.arn == arn));
        match aws::sso::permission_set(&clients[instance], gate, instance, arn).await {
            Ok(ps) => data.permission_sets.push(ps),
            // Deleted: gone from the snapshot with where it was provisioned.
            Err(e) if e.aws_kind() == Some(crate::error::AwsErrorKind::NotFound) => {
                data.provisioned
                    .retain(|p| !(&p.instance_arn == instance && &p.permission_set_arn == arn));
                gone.insert((instance.clone(), arn.clone()));
            }
            Err(e) => return Err(e),
        }
    }
    let mut by_instance: HashMap<&str, Vec<String>> = HashMap::new();
    for (instance, ps) in sets.difference(&gone) {
        by_instance.entry(instance).or_default().push(ps.clone());
    }
    for (instance, arns) in by_instance {
        let now = aws::sso::provisioned(&clients[instance], gate, instance, &arns).await?;
        data.provisioned
            .retain(|p| !(p.instance_arn == instance && arns.contains(&p.permission_set_arn)));
        data.provisioned.extend(now);
    }
    for (instance, store, group) in groups {
        let now = aws::directory::members_of(&clients[instance], gate, store, group).await?;
        data.memberships
            .retain(|m| !(&m.identity_store_id == store && &m.group_id == group));
        data.memberships.extend(now);
    }
    for (instance, store, user) in users {
        let u = aws::changes::describe_user(&clients[instance], gate, store, user).await?;
        data.users
            .retain(|x| !(&x.identity_store_id == store && &x.user_id == user));
        data.users.push(u);
    }
    let after = session.gate.calls();
    let calls = after
        .into_iter()
        .map(|(k, v)| {
            let before = calls_before.get(&k).copied().unwrap_or(0);
            (k, v - before)
        })
        .filter(|(_, v)| *v > 0)
        .collect();
    let meta = snapshots::SyncMeta {
        started_at,
        finished_at: crate::clock::now_rfc3339(),
        strategy: None,
        full_scan: false,
        calls,
        duration_ms: clock.elapsed().as_millis() as u64,
        kind: crate::model::SnapshotKind::Refresh,
        base: Some(latest),
    };
    Ok(snapshots::write_snapshot(conn, &data, &meta)?.id)
}
