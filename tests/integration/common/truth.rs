//! The scenarios' ground truth (what the harness seeded), and a snapshot's rows in the
//! same terms for comparing the two.

use std::collections::BTreeSet;

use serde::Deserialize;
use serde_json::Value;

#[derive(Debug, Clone, Deserialize)]
pub struct TruthAccount {
    pub id: String,
    pub name: String,
    pub parent_id: String,
    pub email: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthOu {
    pub id: String,
    pub name: String,
    pub parent_id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthInstance {
    pub instance_arn: String,
    pub identity_store_id: String,
    pub owner_account_id: String,
    pub region: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthPermissionSet {
    pub instance_arn: String,
    pub arn: String,
    pub name: String,
    pub description: String,
    pub session_duration: String,
    pub relay_state: Option<String>,
    pub inline_policy: Option<String>,
    pub managed_policies: Vec<String>,
    pub customer_managed_policies: Vec<String>,
    pub permissions_boundary: Option<Value>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthUser {
    pub identity_store_id: String,
    pub user_id: String,
    pub user_name: String,
    pub display_name: String,
    pub given_name: String,
    pub family_name: String,
    pub email: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct TruthGroup {
    pub identity_store_id: String,
    pub group_id: String,
    pub display_name: String,
    pub description: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct TruthMembership {
    pub identity_store_id: String,
    pub group_id: String,
    pub user_id: String,
}

#[derive(Debug, Clone, Deserialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct TruthAssignment {
    pub instance_arn: String,
    pub account_id: String,
    pub permission_set_arn: String,
    pub principal_type: String,
    pub principal_id: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Truth {
    pub management_account_id: String,
    pub organization_id: String,
    /// Read by the sync_at_scale benchmark, not by the tests.
    #[allow(dead_code)]
    pub root_id: String,
    pub role_arn: String,
    pub ous: Vec<TruthOu>,
    pub accounts: Vec<TruthAccount>,
    /// The organization instance.
    pub instances: Vec<TruthInstance>,
    /// Account instances in member accounts (applications only).
    #[serde(default)]
    pub account_instances: Vec<TruthInstance>,
    pub unreachable_accounts: Vec<String>,
    pub delegated_admins: Vec<String>,
    pub permission_sets: Vec<TruthPermissionSet>,
    pub users: Vec<TruthUser>,
    pub groups: Vec<TruthGroup>,
    pub memberships: Vec<TruthMembership>,
    pub assignments: Vec<TruthAssignment>,
}

impl Truth {
    pub fn group_id(&self, name: &str) -> String {
        let g = self.groups.iter().find(|g| g.display_name == name);
        g.unwrap_or_else(|| panic!("no group {name}"))
            .group_id
            .clone()
    }
    pub fn user_id(&self, name: &str) -> String {
        let u = self.users.iter().find(|u| u.user_name == name);
        u.unwrap_or_else(|| panic!("no user {name}"))
            .user_id
            .clone()
    }
    pub fn ps_arn(&self, name: &str) -> String {
        let p = self.permission_sets.iter().find(|p| p.name == name);
        p.unwrap_or_else(|| panic!("no permission set {name}"))
            .arn
            .clone()
    }
    pub fn ps_name(&self, arn: &str) -> String {
        let p = self.permission_sets.iter().find(|p| p.arn == arn);
        p.unwrap_or_else(|| panic!("no permission set {arn}"))
            .name
            .clone()
    }
    pub fn account_id(&self, name: &str) -> String {
        let a = self.accounts.iter().find(|a| a.name == name);
        a.unwrap_or_else(|| panic!("no account {name}")).id.clone()
    }
    pub fn account_name(&self, id: &str) -> String {
        let a = self.accounts.iter().find(|a| a.id == id);
        a.unwrap_or_else(|| panic!("no account {id}")).name.clone()
    }
    pub fn group_name(&self, id: &str) -> String {
        let g = self.groups.iter().find(|g| g.group_id == id);
        g.unwrap_or_else(|| panic!("no group {id}"))
            .display_name
            .clone()
    }

    pub fn assignment_set(&self) -> BTreeSet<TruthAssignment> {
        self.assignments.iter().cloned().collect()
    }
}

/// A snapshot's memberships in the ground truth's terms.
pub fn snapshot_memberships(conn: &rusqlite::Connection, snap: i64) -> BTreeSet<TruthMembership> {
    hallpass::store::queries::memberships(conn, snap)
        .unwrap()
        .into_iter()
        .map(|m| TruthMembership {
            identity_store_id: m.identity_store_id,
            group_id: m.group_id,
            user_id: m.user_id,
        })
        .collect()
}

/// A snapshot's assignments in the ground truth's terms.
pub fn snapshot_assignments(conn: &rusqlite::Connection, snap: i64) -> BTreeSet<TruthAssignment> {
    hallpass::store::queries::assignments(conn, snap)
        .unwrap()
        .into_iter()
        .map(|a| TruthAssignment {
            instance_arn: a.instance_arn,
            account_id: a.account_id,
            permission_set_arn: a.permission_set_arn,
            principal_type: a.principal_type.as_str().to_owned(),
            principal_id: a.principal_id,
        })
        .collect()
}
