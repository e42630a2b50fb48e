//! Names (or ids) as people type them, resolved against the newest snapshot.
//! Unknown names are refused before anything is sent, with the closest matches.

use std::collections::{BTreeSet, HashMap};

use rusqlite::Connection;

pub use super::names::account_in;
use super::names::{one, unknown};
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
        account_in(&self.accounts, wanted, self.id)
    }

    /// The accounts under an OU (by id or name, or `root`), recursively.
    pub fn ou_accounts(&self, wanted: &str) -> Result<Vec<&Account>> {
        let w = wanted.trim();
        let ou = if w.eq_ignore_ascii_case("root") || w == "_root_" {
            self.ous
                .iter()
                .find(|o| o.is_root)
                .ok_or_else(|| unknown("OU", w, std::iter::empty(), self.id))?
        } else {
            one(
                "OU",
                w,
                &self.ous,
                |o| o.id == w,
                |o| &o.name,
                |o| &o.id,
                self.id,
            )?
        };
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
        one(
            "permission set",
            w,
            &within,
            |p| p.arn == w,
            |p| &p.name,
            |p| &p.arn,
            self.id,
        )
        .copied()
    }

    pub fn user(&self, store: &str, wanted: &str) -> Result<&User> {
        let w = wanted.trim();
        let within: Vec<&User> = self
            .users
            .iter()
            .filter(|u| u.identity_store_id == store)
            .collect();
        one(
            "user",
            w,
            &within,
            |u| u.user_id == w,
            |u| &u.user_name,
            |u| &u.user_id,
            self.id,
        )
        .copied()
    }

    pub fn group(&self, store: &str, wanted: &str) -> Result<&Group> {
        let w = wanted.trim();
        let within: Vec<&Group> = self
            .groups
            .iter()
            .filter(|g| g.identity_store_id == store)
            .collect();
        one(
            "group",
            w,
            &within,
            |g| g.group_id == w,
            |g| &g.display_name,
            |g| &g.group_id,
            self.id,
        )
        .copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(id: &str, name: &str, parent: &str) -> Account {
        Account {
            id: id.into(),
            name: name.into(),
            email: None,
            status: Some("ACTIVE".into()),
            joined_method: None,
            parent_id: parent.into(),
        }
    }

    fn ou(id: &str, name: &str, parent: Option<&str>) -> OrgUnit {
        OrgUnit {
            id: id.into(),
            name: name.into(),
            parent_id: parent.map(str::to_owned),
            is_root: parent.is_none(),
        }
    }

    #[test]
    fn an_ambiguous_name_is_refused_with_the_candidates_and_their_ids() {
        let snap = Snapshot {
            id: 3,
            instances: vec![],
            account_instances: vec![],
            accounts: vec![
                account("111111111111", "prod", "ou-a"),
                account("222222222222", "prod", "ou-b"),
                account("333333333333", "dev", "ou-a"),
                account("444444444444", "Dev", "ou-b"),
            ],
            ous: vec![
                ou("r-1", "Root", None),
                ou("ou-a", "Workloads", Some("r-1")),
                ou("ou-b", "Workloads", Some("r-1")),
            ],
            permission_sets: vec![],
            users: vec![],
            groups: vec![],
        };
        let err = snap.account("prod").unwrap_err().to_string();
        assert!(
            err.contains("fits 2 accounts")
                && err.contains("prod (111111111111)")
                && err.contains("prod (222222222222)")
                && err.contains("Give the id"),
            "{err}"
        );
        assert_eq!(snap.account("222222222222").unwrap().name, "prod");
        // An exact name wins over one that differs only in case.
        assert_eq!(snap.account("dev").unwrap().id, "333333333333");
        let err = snap.ou_accounts("workloads").unwrap_err().to_string();
        assert!(err.contains("ou-a") && err.contains("ou-b"), "{err}");
        assert_eq!(snap.ou_accounts("ou-b").unwrap().len(), 2);
    }
}
