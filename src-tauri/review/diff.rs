//! What changed between two snapshots: entities added, removed and changed (with the
//! fields, and policy documents compared as JSON), memberships and assignments by name,
//! and who gained or lost access to an account.

use std::collections::BTreeMap;

use rusqlite::Connection;
use serde::Serialize;
use ts_rs::TS;

pub use super::json_diff::{json_diff, FieldChange};
use crate::error::{Error, Result};
use crate::model::*;
use crate::store::queries::{self, AccessQuery};
use crate::store::{changes_between, snapshots, versioned_key, Versioned};

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Changed<T> {
    pub before: T,
    pub after: T,
    pub fields: Vec<FieldChange>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct EntityChanges<T> {
    pub added: Vec<T>,
    pub removed: Vec<T>,
    pub changed: Vec<Changed<T>>,
}

impl<T> EntityChanges<T> {
    pub fn len(&self) -> usize {
        self.added.len() + self.removed.len() + self.changed.len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A membership by names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[ts(export)]
pub struct NamedMembership {
    pub group: String,
    pub user: String,
}

/// An assignment by names.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, TS)]
#[ts(export)]
pub struct NamedAssignment {
    pub account_id: String,
    pub account_name: String,
    pub permission_set: String,
    pub principal_type: PrincipalType,
    pub principal_name: String,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SnapshotDiff {
    #[ts(type = "number")]
    pub from: i64,
    #[ts(type = "number")]
    pub to: i64,
    pub accounts: EntityChanges<Account>,
    pub ous: EntityChanges<OrgUnit>,
    pub users: EntityChanges<User>,
    pub groups: EntityChanges<Group>,
    pub permission_sets: EntityChanges<PermissionSet>,
    pub memberships_added: Vec<NamedMembership>,
    pub memberships_removed: Vec<NamedMembership>,
    pub assignments_added: Vec<NamedAssignment>,
    pub assignments_removed: Vec<NamedAssignment>,
}

impl SnapshotDiff {
    pub fn total(&self) -> usize {
        self.accounts.len()
            + self.ous.len()
            + self.users.len()
            + self.groups.len()
            + self.permission_sets.len()
            + self.memberships_added.len()
            + self.memberships_removed.len()
            + self.assignments_added.len()
            + self.assignments_removed.len()
    }
}

fn entity<T: Versioned + Serialize + Clone>(
    conn: &Connection,
    a: i64,
    b: i64,
) -> Result<EntityChanges<T>> {
    let (gone, new) = changes_between::<T>(conn, a, b)?;
    let mut before: BTreeMap<String, T> =
        gone.into_iter().map(|x| (versioned_key(&x), x)).collect();
    let mut out = EntityChanges {
        added: vec![],
        removed: vec![],
        changed: vec![],
    };
    for after in new {
        match before.remove(&versioned_key(&after)) {
            Some(old) => {
                let mut fields = Vec::new();
                let (x, y) = (
                    serde_json::to_value(&old).unwrap_or_default(),
                    serde_json::to_value(&after).unwrap_or_default(),
                );
                json_diff("", &x, &y, &mut fields);
                out.changed.push(Changed {
                    before: old,
                    after,
                    fields,
                });
            }
            None => out.added.push(after),
        }
    }
    out.removed = before.into_values().collect();
    Ok(out)
}

/// Names as of both snapshots (a removed user is named as it was).
fn names_of(conn: &Connection, snaps: &[i64]) -> Result<Names> {
    let mut n = Names::default();
    for &s in snaps {
        n.add(
            &queries::accounts(conn, s)?,
            &queries::permission_sets(conn, s)?,
            &queries::users(conn, s)?,
            &queries::groups(conn, s)?,
        );
    }
    Ok(n)
}

fn named_assignment(n: &Names, a: &Assignment) -> NamedAssignment {
    let or_id = |name: Option<&str>, id: &str| name.unwrap_or(id).to_owned();
    NamedAssignment {
        account_id: a.account_id.clone(),
        account_name: or_id(n.account_name(&a.account_id), &a.account_id),
        permission_set: n.set(&a.permission_set_arn),
        principal_type: a.principal_type,
        principal_name: or_id(
            n.principal(a.principal_type, &a.principal_id),
            &a.principal_id,
        ),
    }
}

fn named_membership(n: &Names, m: &Membership) -> NamedMembership {
    NamedMembership {
        group: n.group(&m.group_id).unwrap_or(&m.group_id).to_owned(),
        user: n.user(&m.user_id).unwrap_or(&m.user_id).to_owned(),
    }
}

/// The complete snapshots to compare: as given, or the newest and the one before it.
pub fn pick(conn: &Connection, from: Option<i64>, to: Option<i64>) -> Result<(i64, i64)> {
    let to = snapshots::resolve(conn, to)?;
    let from = match from {
        Some(f) => snapshots::resolve(conn, Some(f))?,
        None => snapshots::previous_complete(conn, to)?.ok_or_else(|| {
            Error::NotFound(format!(
                "snapshot {to} is the first one: there is nothing earlier to compare it with"
            ))
        })?,
    };
    Ok((from, to))
}

/// What changed from snapshot `from` to snapshot `to` (either order).
pub fn diff(conn: &Connection, from: i64, to: i64) -> Result<SnapshotDiff> {
    let (a, b) = (from.min(to), from.max(to));
    let mut d = SnapshotDiff {
        from,
        to,
        accounts: entity(conn, a, b)?,
        ous: entity(conn, a, b)?,
        users: entity(conn, a, b)?,
        groups: entity(conn, a, b)?,
        permission_sets: entity(conn, a, b)?,
        memberships_added: vec![],
        memberships_removed: vec![],
        assignments_added: vec![],
        assignments_removed: vec![],
    };
    let names = names_of(conn, &[a, b])?;
    let (gone, new) = changes_between::<Membership>(conn, a, b)?;
    d.memberships_removed = gone.iter().map(|m| named_membership(&names, m)).collect();
    d.memberships_added = new.iter().map(|m| named_membership(&names, m)).collect();
    let (gone, new) = changes_between::<Assignment>(conn, a, b)?;
    d.assignments_removed = gone.iter().map(|x| named_assignment(&names, x)).collect();
    d.assignments_added = new.iter().map(|x| named_assignment(&names, x)).collect();
    for list in [&mut d.memberships_added, &mut d.memberships_removed] {
        list.sort();
    }
    for list in [&mut d.assignments_added, &mut d.assignments_removed] {
        list.sort();
    }
    if from > to {
        // Asked backwards: what was added going forward was removed going back.
        d = reverse(d);
    }
    Ok(d)
}

fn flip<T>(c: EntityChanges<T>) -> EntityChanges<T> {
    EntityChanges {
        added: c.removed,
        removed: c.added,
        changed: c
            .changed
            .into_iter()
            .map(|x| Changed {
                fields: x
                    .fields
                    .into_iter()
                    .map(|f| FieldChange {
                        field: f.field,
                        before: f.after,
                        after: f.before,
                    })
                    .collect(),
                before: x.after,
                after: x.before,
            })
            .collect(),
    }
}

fn reverse(d: SnapshotDiff) -> SnapshotDiff {
    SnapshotDiff {
        from: d.from,
        to: d.to,
        accounts: flip(d.accounts),
        ous: flip(d.ous),
        users: flip(d.users),
        groups: flip(d.groups),
        permission_sets: flip(d.permission_sets),
        memberships_added: d.memberships_removed,
        memberships_removed: d.memberships_added,
        assignments_added: d.assignments_removed,
        assignments_removed: d.assignments_added,
    }
}

/// Who gained or lost access to an account (directly or through a group) between two snapshots.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AccessChanges {
    pub account: String,
    #[ts(type = "number")]
    pub from: i64,
    #[ts(type = "number")]
    pub to: i64,
    pub gained: Vec<AccessRow>,
    pub lost: Vec<AccessRow>,
}

pub fn access_changes(
    conn: &Connection,
    account: &str,
    from: i64,
    to: i64,
) -> Result<AccessChanges> {
    // The account as the newer snapshot knows it, else as the older one did.
    let id = match crate::provision::resolve::account_in(&queries::accounts(conn, to)?, account, to)
    {
        Ok(a) => a.id.clone(),
        Err(newer) => {
            let older = queries::accounts(conn, from)?;
            match crate::provision::resolve::account_in(&older, account, from) {
                Ok(a) => a.id.clone(),
                Err(_) => return Err(newer),
            }
        }
    };
    let rows = |s| -> Result<std::collections::BTreeSet<AccessRow>> {
        Ok(queries::access(conn, s, &AccessQuery::Account(id.clone()))?
            .into_iter()
            .collect())
    };
    let (before, after) = (rows(from)?, rows(to)?);
    Ok(AccessChanges {
        account: id.clone(),
        from,
        to,
        gained: after.difference(&before).cloned().collect(),
        lost: before.difference(&after).cloned().collect(),
    })
}
