//! The live side of planning: which session reaches an instance, and a plan's no-ops
//! checked against AWS itself (the snapshot may be older than the truth).

use std::collections::{BTreeSet, HashMap};

use rusqlite::Connection;

use super::op::OpChange;
use super::request::{noop_for, Plan};
use crate::aws::{self, Clients, Session};
use crate::error::Result;
use crate::model::PrincipalType;
use crate::store::{queries, snapshots};

/// The clients that reach `instance_arn`: the management session's, or a member account's.
pub(crate) async fn clients_for(
    session: &Session,
    cache: &mut HashMap<String, Clients>,
    accessed_from: &str,
) -> Result<Clients> {
    if accessed_from == session.management.account_id || accessed_from.is_empty() {
        return Ok(session.management.clone());
    }
    if let Some(c) = cache.get(accessed_from) {
        return Ok(c.clone());
    }
    let c = session.enter_member(accessed_from).await?;
    cache.insert(accessed_from.to_owned(), c.clone());
    Ok(c)
}

/// Which account's session reaches each instance, from the newest snapshot.
pub(crate) fn instance_access(conn: &Connection) -> Result<HashMap<String, String>> {
    let Some(snap) = snapshots::latest_complete(conn)? else {
        return Ok(HashMap::new());
    };
    Ok(queries::instances(conn, snap)?
        .into_iter()
        .map(|i| (i.instance_arn, i.accessed_from))
        .collect())
}

/// One live listing of assignments, shared by the items it answers.
#[derive(Clone, PartialEq, Eq, Hash)]
enum Listing {
    /// (instance, principal type, principal id)
    Principal(String, PrincipalType, String),
    /// (instance, account, permission set)
    Pair(String, String, String),
}

/// Re-checks every item against AWS: the snapshot may be older than the truth.
pub async fn live_check(session: &Session, conn: &Connection, plan: &mut Plan) -> Result<()> {
    let access = instance_access(conn)?;
    let mut cache = HashMap::new();
    let mut assigned: HashMap<Listing, BTreeSet<(PrincipalType, String, String, String)>> =
        HashMap::new();
    let mut groups_of: HashMap<(String, String), BTreeSet<String>> = HashMap::new();
    for item in &mut plan.items {
        if item.noop.as_deref() == Some(super::expand::REFUSED) {
            continue;
        }
        let s = &item.spec;
        let from = access.get(&s.instance_arn).cloned().unwrap_or_default();
        let c = clients_for(session, &mut cache, &from).await?;
        let gate = &session.gate;
        let present = match &s.change {
            OpChange::CreateUser(u) => {
                let name = &u.new_user.user_name;
                let found = aws::changes::find_user(&c, gate, &u.identity_store_id, name).await?;
                item.noop = found.map(|_| "a user with this user name already exists".into());
                continue;
            }
            // A permission set's own changes are planned against AWS when they are made
            // (`authoring::plan`).
            OpChange::PermissionSet(_) | OpChange::Provision(_) => continue,
            OpChange::AddMember(m) | OpChange::RemoveMember(m) => {
                let key = (m.identity_store_id.clone(), m.principal_id.clone());
                if !groups_of.contains_key(&key) {
                    let found = aws::changes::memberships_of(
                        &c,
                        gate,
                        &m.identity_store_id,
                        &m.principal_id,
                    )
                    .await?;
                    groups_of.insert(key.clone(), found.into_iter().map(|(_, g)| g).collect());
                }
                groups_of[&key].contains(&m.group_id)
            }
            OpChange::Grant(a) | OpChange::Revoke(a) => {
                // Present only when this very principal (type and id) holds the pair: a
                // user's access through a group is not its own assignment, and granting
                // it directly must still create one.
                let pid = a.principal_id.clone();
                let kind = a.principal_type;
                let (account, ps) = (a.account_id.clone(), a.permission_set_arn.clone());
                let key = if c.account_id == session.management.account_id {
                    Listing::Principal(s.instance_arn.clone(), kind, pid.clone())
                } else {
                    // AWS answers ListAccountAssignmentsForPrincipal only in the
                    // management account: elsewhere, list the pair itself.
                    Listing::Pair(s.instance_arn.clone(), account.clone(), ps.clone())
                };
                if !assigned.contains_key(&key) {
                    let list = match &key {
                        Listing::Principal(instance, kind, id) => {
                            aws::assignments::own_assignments(&c, gate, instance, *kind, id).await?
                        }
                        Listing::Pair(instance, account, ps) => {
                            aws::assignments::pair_assignments(&c, gate, instance, ps, account)
                                .await?
                        }
                    };
                    assigned.insert(
                        key.clone(),
                        list.into_iter()
                            .map(|x| {
                                (
                                    x.principal_type,
                                    x.principal_id,
                                    x.account_id,
                                    x.permission_set_arn,
                                )
                            })
                            .collect(),
                    );
                }
                assigned[&key].contains(&(kind, pid, account, ps))
            }
        };
        item.noop = noop_for(s.kind(), present);
    }
    Ok(())
}
