//! Names (or ids) as people type them, resolved against the newest snapshot.
//! Unknown names are refused before anything is sent, with the closest matches.

use std::collections::{BTreeSet, HashMap};

use rusqlite::Connection;

use crate::error::{Error, Result};
use crate::model::{Account, Group, Instance, InstanceSource, OrgUnit, PermissionSet, User};
use crate::store::queries;

pub struct Snapshot {
    pub id: i64,
    /// The instances changes can go to: the organization instance (account instances give
    /// no access to AWS accounts and are left out).
    pub instances: Vec<Instance>,
    /// Account instances, only to explain why one cannot be chosen.
    pub account_instances: Vec<Instance>,
    pub accounts: Vec<Account>,
    pub ous: Vec<OrgUnit>,
    pub permission_sets: Vec<PermissionSet>,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
}

impl Snapshot {
    pub fn load(conn: &Connection, id: i64) -> Result<Self> {
        let (instances, account_instances) = queries::instances(conn, id)?
            .into_iter()
            .partition(|i| i.source == InstanceSource::Organization);
        Ok(Snapshot {
            id,
            instances,
            account_instances,
            accounts: queries::accounts(conn, id)?,
            ous: queries::ous(conn, id)?,
            permission_sets: queries::permission_sets(conn, id)?,
            users: queries::users(conn, id)?,
            groups: queries::groups(conn, id)?,
        })
    }

    /// The instance named by ARN, identity store id or owning account; or the only
    /// instance; or, when `prefer_management`, the management account's.
    pub fn instance(
        &self,
        wanted: Option<&str>,
        prefer_management: bool,
    ) -> Result<Option<&Instance>> {
        if let Some(w) = wanted {
            let names = |i: &&Instance| {
                i.instance_arn == w || i.identity_store_id == w || i.owner_account_id == w
            };
            if let Some(a) = self.account_instances.iter().find(names) {
                return Err(Error::InvalidInput(format!(
                    "{} is an account instance of IAM Identity Center (in account {}): account instances serve \
                     applications only and cannot hold permission sets or give access to AWS accounts. Leave out \
                     --instance to use the organization instance.",
                    a.instance_arn, a.owner_account_id
                )));
            }
            return self
                .instances
                .iter()
                .find(|i| {
                    i.instance_arn == w || i.identity_store_id == w || i.owner_account_id == w
                })
                .map(Some)
                .ok_or_else(|| {
                    Error::InvalidInput(format!(
                        "no Identity Center instance {w:?} in snapshot {}; known: {}",
                        self.id,
                        self.instance_list()
                    ))
                });
        }
        if self.instances.len() == 1 {
            return Ok(self.instances.first());
        }
        if prefer_management {
            return Ok(self
                .instances
                .iter()
                .find(|i| i.source == InstanceSource::Organization));
        }
        Ok(None)
    }

    pub fn instance_list(&self) -> String {
        self.instances
            .iter()
            .map(|i| {
                format!(
                    "{} (store {}, account {})",
                    i.instance_arn, i.identity_store_id, i.owner_account_id
                )
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    pub fn account(&self, wanted: &str) -> Result<&Account> {
        let w = wanted.trim();
        find(&self.accounts, w, |a| a.id == w, |a| &a.name).ok_or_else(|| {
            unknown(
                "account",
                w,
                self.accounts.iter().map(|a| a.name.as_str()),
                self.id,
            )
        })
    }

    /// The accounts under an OU (by id or name, or `root`), recursively.
    pub fn ou_accounts(&self, wanted: &str) -> Result<Vec<&Account>> {
        let w = wanted.trim();
        let ou = if w.eq_ignore_ascii_case("root") || w == "_root_" {
            self.ous.iter().find(|o| o.is_root)
        } else {
            find(&self.ous, w, |o| o.id == w, |o| &o.name)
        }
        .ok_or_else(|| unknown("OU", w, self.ous.iter().map(|o| o.name.as_str()), self.id))?;
        let mut children: HashMap<&str, Vec<&str>> = HashMap::new();
        for o in &self.ous {
            if let Some(p) = &o.parent_id {
                children.entry(p.as_str()).or_default().push(o.id.as_str());
            }
        }
        let mut within = BTreeSet::from([ou.id.as_str()]);
        let mut stack = vec![ou.id.as_str()];
        while let Some(id) = stack.pop() {
            for c in children.get(id).into_iter().flatten() {
                if within.insert(c) {
                    stack.push(c);
                }
            }
        }
        Ok(self
            .accounts
            .iter()
            .filter(|a| within.contains(a.parent_id.as_str()))
            .collect())
    }

    pub fn permission_set(&self, instance: &str, wanted: &str) -> Result<&PermissionSet> {
        let w = wanted.trim();
        let within: Vec<&PermissionSet> = self
            .permission_sets
            .iter()
            .filter(|p| p.instance_arn == instance)
            .collect();
        find(&within, w, |p| p.arn == w, |p| &p.name)
            .copied()
            .ok_or_else(|| {
                unknown(
                    "permission set",
                    w,
                    within.iter().map(|p| p.name.as_str()),
                    self.id,
                )
            })
    }

    pub fn user(&self, store: &str, wanted: &str) -> Result<&User> {
        let w = wanted.trim();
        let within: Vec<&User> = self
            .users
            .iter()
            .filter(|u| u.identity_store_id == store)
            .collect();
        find(&within, w, |u| u.user_id == w, |u| &u.user_name)
            .copied()
            .ok_or_else(|| {
                unknown(
                    "user",
                    w,
                    within.iter().map(|u| u.user_name.as_str()),
                    self.id,
                )
            })
    }

    pub fn group(&self, store: &str, wanted: &str) -> Result<&Group> {
        let w = wanted.trim();
        let within: Vec<&Group> = self
            .groups
            .iter()
            .filter(|g| g.identity_store_id == store)
            .collect();
        find(&within, w, |g| g.group_id == w, |g| &g.display_name)
            .copied()
            .ok_or_else(|| {
                unknown(
                    "group",
                    w,
                    within.iter().map(|g| g.display_name.as_str()),
                    self.id,
                )
            })
    }
}

/// By id, then exact name, then name ignoring case.
fn find<'a, T>(
    items: &'a [T],
    wanted: &str,
    by_id: impl Fn(&T) -> bool,
    name: impl Fn(&T) -> &String,
) -> Option<&'a T> {
    items
        .iter()
        .find(|i| by_id(i))
        .or_else(|| items.iter().find(|i| name(i) == wanted))
        .or_else(|| items.iter().find(|i| name(i).eq_ignore_ascii_case(wanted)))
}

fn unknown<'a>(what: &str, wanted: &str, names: impl Iterator<Item = &'a str>, snap: i64) -> Error {
    let close = closest(wanted, names);
    let hint = if close.is_empty() {
        String::new()
    } else {
        format!(
            " Did you mean {}?",
            close
                .iter()
                .map(|c| format!("{c:?}"))
                .collect::<Vec<_>>()
                .join(" or ")
        )
    };
    Error::InvalidInput(format!(
        "unknown {what} {wanted:?}: it is not in snapshot {snap}.{hint} If it was created since, run `hallpass sync` first."
    ))
}

/// Up to three names within a small edit distance, or containing what was typed.
fn closest<'a>(wanted: &str, names: impl Iterator<Item = &'a str>) -> Vec<String> {
    let w = wanted.to_lowercase();
    let mut scored: Vec<(usize, &str)> = names
        .filter_map(|n| {
            let l = n.to_lowercase();
            let d = distance(&w, &l);
            let near = d <= 2.max(w.len() / 4) || (w.len() >= 3 && l.contains(&w));
            near.then_some((d, n))
        })
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored
        .into_iter()
        .take(3)
        .map(|(_, n)| n.to_owned())
        .collect()
}

fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_close_names() {
        let names = ["platform-admins", "developers", "auditors"];
        assert_eq!(closest("developer", names.iter().copied()), ["developers"]);
        assert_eq!(
            closest("platform", names.iter().copied()),
            ["platform-admins"]
        );
        assert!(closest("zzzzzz", names.iter().copied()).is_empty());
    }
}
