//! Domain types shared by every layer. Nothing here knows AWS SDK or SQLite types.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub mod finding;
pub mod operation;
pub mod session_block;
mod snapshot;

pub use snapshot::{ImportedFrom, SnapshotInfo, SnapshotKind, SnapshotStatus};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Organization {
    pub id: String,
    pub management_account_id: String,
    pub feature_set: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct OrgUnit {
    pub id: String,
    pub name: String,
    /// The root id or another OU's id; `None` for the root itself.
    pub parent_id: Option<String>,
    pub is_root: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Account {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    /// The account's lifecycle state as Organizations reports it (`State`:
    /// PENDING_ACTIVATION, ACTIVE, SUSPENDED, PENDING_CLOSURE, CLOSED), or the retired
    /// `Status` where AWS sent no `State`.
    pub status: Option<String>,
    pub joined_method: Option<String>,
    pub parent_id: String,
}

impl Account {
    /// Whether the account can be entered and given access (its state is ACTIVE, or unknown).
    pub fn is_active(&self) -> bool {
        self.status.as_deref().is_none_or(|s| s == "ACTIVE")
    }

    /// The state in words for a message, e.g. `SUSPENDED`.
    pub fn state(&self) -> &str {
        self.status.as_deref().unwrap_or("ACTIVE")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "kebab-case")]
pub enum InstanceSource {
    /// The organization instance: the one instance of the organization, owned by the
    /// management account (a delegated administrator administers this same instance). The
    /// only kind that holds permission sets and gives access to AWS accounts.
    Organization,
    /// An account instance in a member account (found by the member-account scan): it
    /// serves applications only — no permission sets, no account assignments.
    Account,
}

impl InstanceSource {
    pub fn as_str(self) -> &'static str {
        match self {
            InstanceSource::Organization => "organization",
            InstanceSource::Account => "account",
        }
    }
    /// Also reads what older Hallpass versions stored (`management`, `delegated`, `member`);
    /// anything else is unknown.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "account" | "member" => Some(InstanceSource::Account),
            "organization" | "management" | "delegated" => Some(InstanceSource::Organization),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Instance {
    pub instance_arn: String,
    pub identity_store_id: String,
    pub owner_account_id: String,
    pub region: String,
    pub name: Option<String>,
    pub status: Option<String>,
    pub source: InstanceSource,
    /// The account whose session reads this instance (the management account or a member).
    pub accessed_from: String,
    /// The regions the instance is enabled in (`ListRegions`: the home region, and others
    /// where multi-Region replication is on); empty for account instances.
    #[serde(default)]
    pub regions: Vec<String>,
    /// The account that administers the organization instance: the delegated administrator
    /// registered for `sso.amazonaws.com`, else the management account.
    #[serde(default)]
    pub administered_by: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct CustomerManagedRef {
    pub name: String,
    pub path: String,
}

/// What a search result is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "kebab-case")]
pub enum HitKind {
    Account,
    Ou,
    User,
    Group,
    PermissionSet,
}

/// One thing that matches a search: its kind, its id (account id, OU id, user id, group
/// id, permission set ARN), its name, and what tells it apart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SearchHit {
    pub kind: HitKind,
    pub id: String,
    pub title: String,
    pub detail: Option<String>,
}

/// A search's answer, and how long SQLite took to give it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SearchResults {
    pub hits: Vec<SearchHit>,
    pub took_ms: f64,
}

/// A tag on a permission set.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Tag {
    pub key: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PermissionsBoundary {
    pub managed_policy_arn: Option<String>,
    pub customer_managed: Option<CustomerManagedRef>,
}

/// A permission set's session duration when it sets none (CreatePermissionSet API
/// reference, SessionDuration; the console's default is one hour).
pub const DEFAULT_SESSION_DURATION: &str = "PT1H";

/// AWS's quota for one permission set's inline policy, in characters (IAM Identity Center
/// user guide, "IAM Identity Center quotas": inline policy per permission set, 32,768).
pub const INLINE_POLICY_MAX: usize = 32_768;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PermissionSet {
    pub arn: String,
    pub instance_arn: String,
    pub name: String,
    pub description: Option<String>,
    pub session_duration: Option<String>,
    pub relay_state: Option<String>,
    pub inline_policy: Option<String>,
    pub managed_policies: Vec<String>,
    pub customer_managed_policies: Vec<CustomerManagedRef>,
    pub permissions_boundary: Option<PermissionsBoundary>,
}

impl PermissionSet {
    /// Named like a break-glass permission set ("BreakGlassAdmin", "emergency-access").
    pub fn looks_like_break_glass(&self) -> bool {
        let n: String = self
            .name
            .to_lowercase()
            .chars()
            .filter(|c| c.is_alphanumeric())
            .collect();
        n.contains("breakglass") || n.contains("emergency")
    }
}

/// A permission set provisioned to an account; `outdated` when the account
/// holds an older version than the permission set's latest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Provisioned {
    pub instance_arn: String,
    pub permission_set_arn: String,
    pub account_id: String,
    pub outdated: bool,
    /// While outdated: why AWS's last provisioning of it to this account failed (its
    /// FailureReason, e.g. a customer-managed policy missing in the account).
    #[serde(default)]
    pub failure: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct User {
    pub identity_store_id: String,
    pub user_id: String,
    pub user_name: String,
    pub display_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub email: Option<String>,
    /// `ENABLED` or `DISABLED` (Identity Store `UserStatus`); `None` where AWS did not say.
    #[serde(default)]
    pub status: Option<String>,
}

impl User {
    /// Whether the user is disabled in the Identity Store (cannot sign in).
    pub fn is_disabled(&self) -> bool {
        self.status.as_deref() == Some("DISABLED")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Group {
    pub identity_store_id: String,
    pub group_id: String,
    pub display_name: String,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Membership {
    pub identity_store_id: String,
    pub group_id: String,
    pub user_id: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "UPPERCASE")]
pub enum PrincipalType {
    User,
    Group,
}

impl PrincipalType {
    pub fn as_str(self) -> &'static str {
        match self {
            PrincipalType::User => "USER",
            PrincipalType::Group => "GROUP",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "USER" => Some(PrincipalType::User),
            "GROUP" => Some(PrincipalType::Group),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Assignment {
    pub instance_arn: String,
    pub account_id: String,
    pub permission_set_arn: String,
    pub principal_type: PrincipalType,
    pub principal_id: String,
}

/// Whether the member-account scan could enter an account, and if not, why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MemberAccess {
    pub account_id: String,
    pub reachable: bool,
    pub holds_instance: bool,
    pub detail: Option<String>,
}

/// Which way account assignments were read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "kebab-case")]
pub enum Strategy {
    /// `ListAccountsForProvisionedPermissionSet` then `ListAccountAssignments` per pair.
    ProvisionedPairs,
    /// `ListAccountAssignmentsForPrincipal` per user and group.
    PerPrincipal,
}

impl Strategy {
    pub fn as_str(self) -> &'static str {
        match self {
            Strategy::ProvisionedPairs => "provisioned-pairs",
            Strategy::PerPrincipal => "per-principal",
        }
    }
}

/// Everything one sync read from AWS.
#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct OrgData {
    pub organization: Option<Organization>,
    pub ous: Vec<OrgUnit>,
    pub accounts: Vec<Account>,
    pub delegated_admins: Vec<String>,
    pub instances: Vec<Instance>,
    pub permission_sets: Vec<PermissionSet>,
    pub provisioned: Vec<Provisioned>,
    pub users: Vec<User>,
    pub groups: Vec<Group>,
    pub memberships: Vec<Membership>,
    pub assignments: Vec<Assignment>,
    /// Present only when this sync scanned every member account.
    pub member_scan: Option<Vec<MemberAccess>>,
}

/// The attributes of a user to create.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct NewUser {
    pub user_name: String,
    pub given_name: String,
    pub family_name: String,
    pub display_name: String,
    pub email: String,
}

/// Names by id: accounts, permission sets, users, groups. The one id → name lookup.
#[derive(Debug, Clone, Default)]
pub struct Names {
    accounts: std::collections::HashMap<String, String>,
    sets: std::collections::HashMap<String, String>,
    users: std::collections::HashMap<String, String>,
    groups: std::collections::HashMap<String, String>,
}

impl OrgData {
    pub fn names(&self) -> Names {
        let mut n = Names::default();
        n.add(
            &self.accounts,
            &self.permission_sets,
            &self.users,
            &self.groups,
        );
        n
    }
}

impl Names {
    /// Adds what these lists name; a name added later replaces an earlier one (so names
    /// gathered over several snapshots end as the newest says).
    pub fn add(
        &mut self,
        accounts: &[Account],
        sets: &[PermissionSet],
        users: &[User],
        groups: &[Group],
    ) {
        self.accounts
            .extend(accounts.iter().map(|a| (a.id.clone(), a.name.clone())));
        self.sets
            .extend(sets.iter().map(|p| (p.arn.clone(), p.name.clone())));
        self.users.extend(
            users
                .iter()
                .map(|u| (u.user_id.clone(), u.user_name.clone())),
        );
        self.groups.extend(
            groups
                .iter()
                .map(|g| (g.group_id.clone(), g.display_name.clone())),
        );
    }
    /// "name (id)", or the id when the account is unknown.
    pub fn account(&self, id: &str) -> String {
        match self.accounts.get(id) {
            Some(n) => format!("{n} ({id})"),
            None => id.to_owned(),
        }
    }
    pub fn account_name(&self, id: &str) -> Option<&str> {
        self.accounts.get(id).map(String::as_str)
    }
    /// The permission set's name, or its ARN when unknown.
    pub fn set(&self, arn: &str) -> String {
        self.set_name(arn)
            .map(str::to_owned)
            .unwrap_or_else(|| arn.to_owned())
    }
    pub fn set_name(&self, arn: &str) -> Option<&str> {
        self.sets.get(arn).map(String::as_str)
    }
    pub fn user(&self, id: &str) -> Option<&str> {
        self.users.get(id).map(String::as_str)
    }
    pub fn group(&self, id: &str) -> Option<&str> {
        self.groups.get(id).map(String::as_str)
    }
    /// The user's or group's name, when it still exists.
    pub fn principal(&self, kind: PrincipalType, id: &str) -> Option<&str> {
        match kind {
            PrincipalType::User => self.user(id),
            PrincipalType::Group => self.group(id),
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Counts {
    #[ts(type = "number")]
    pub accounts: u64,
    #[ts(type = "number")]
    pub ous: u64,
    #[ts(type = "number")]
    pub instances: u64,
    #[ts(type = "number")]
    pub permission_sets: u64,
    #[ts(type = "number")]
    pub users: u64,
    #[ts(type = "number")]
    pub groups: u64,
    #[ts(type = "number")]
    pub memberships: u64,
    #[ts(type = "number")]
    pub assignments: u64,
}

/// Who is granted an account, as granted: a user, or a group and how many members it has.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AccountGrant {
    pub permission_set: String,
    pub principal_type: PrincipalType,
    pub principal_id: String,
    pub principal_name: String,
    /// A group's members in the snapshot; `None` for a user.
    pub members: Option<u32>,
}

/// One line of effective access: who reaches which account with which permission set, and how.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AccessRow {
    pub account_id: String,
    pub account_name: Option<String>,
    pub permission_set: String,
    pub principal_type: PrincipalType,
    pub principal_name: String,
    /// `None` for a direct assignment, otherwise the group it comes through.
    pub via_group: Option<String>,
    pub instance_arn: String,
    /// The ids behind the names above: what a revocation planned from this row acts on
    /// (names are not unique and can change between snapshots).
    pub principal_id: String,
    pub permission_set_arn: String,
    pub via_group_id: Option<String>,
}

/// What a connection may do: read only (sync, checks, review), or also change access in
/// AWS. The permissions policy Hallpass generates follows it, and in read-only every
/// change is refused before anything is sent.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, TS, clap::ValueEnum,
)]
#[ts(export)]
#[serde(rename_all = "kebab-case")]
pub enum AccessLevel {
    ReadOnly,
    #[default]
    Full,
}

impl AccessLevel {
    pub fn as_str(self) -> &'static str {
        match self {
            AccessLevel::ReadOnly => "read-only",
            AccessLevel::Full => "full",
        }
    }

    pub fn parse(s: &str) -> crate::error::Result<Self> {
        match s.trim() {
            "read-only" | "readonly" | "read" => Ok(AccessLevel::ReadOnly),
            "full" => Ok(AccessLevel::Full),
            other => Err(crate::error::Error::InvalidInput(format!(
                "{other:?} is not an access level: use read-only or full"
            ))),
        }
    }
}
