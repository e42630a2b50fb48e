//! After a batch: re-read from AWS only what it touched and write that as a new
//! snapshot (kind `refresh`), so every view shows the truth without a full sync.

use std::collections::{BTreeSet, HashMap};
use std::time::Instant;

use rusqlite::Connection;

use super::{OpKind, Operation};
use crate::aws::{self, Clients, Session};
use crate::error::{Error, Result};
use crate::store::{queries, snapshots};

/// What a change touched, to be read again.
#[derive(Debug, Default)]
pub struct Touched {
    /// (instance, account, permission set): their assignments.
    pub pairs: BTreeSet<(String, String, String)>,
    /// (instance, permission set): where it is provisioned, and whether outdated.
    pub sets: BTreeSet<(String, String)>,
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
            match s.kind {
                OpKind::Grant | OpKind::Revoke => {
                    if let Some((account, ps)) = s.pair() {
                        t.pairs
                            .insert((s.instance_arn.clone(), account, ps.clone()));
                        t.sets.insert((s.instance_arn.clone(), ps));
                    }
                }
                OpKind::AddMember | OpKind::RemoveMember => {
                    if let Some(g) = &s.group_id {
                        t.groups.insert((
                            s.instance_arn.clone(),
                            s.identity_store_id.clone(),
                            g.clone(),
                        ));
                    }
                }
                OpKind::CreateUser => {
                    if let Some(u) = &s.principal_id {
                        t.users.insert((
                            s.instance_arn.clone(),
                            s.identity_store_id.clone(),
                            u.clone(),
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
        pairs,
        sets,
        groups,
        users,
    } = touched;
    for (instance, account, ps) in pairs {
        let c = &clients[instance];
        let now = aws::assignments::pair_assignments(c, gate, instance, ps, account).await?;
        data.assignments.retain(|a| {
            !(&a.instance_arn == instance
                && &a.account_id == account
                && &a.permission_set_arn == ps)
        });
        data.assignments.extend(now);
    }
    let mut by_instance: HashMap<&str, Vec<String>> = HashMap::new();
    for (instance, ps) in sets {
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
        let u = aws::provision::describe_user(&clients[instance], gate, store, user).await?;
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
        kind: "refresh",
    };
    Ok(snapshots::write_snapshot(conn, &data, &meta)?.id)
}
