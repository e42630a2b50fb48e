//! The provisioning queue's rows: what one change is (its kind, what it acts on by id
//! and by name), the states it passes through, and the batch it was confirmed in.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

use super::{CustomerManagedRef, NewUser, PermissionsBoundary, PrincipalType, Tag};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "kebab-case")]
pub enum OpKind {
    CreateUser,
    AddMember,
    RemoveMember,
    Grant,
    Revoke,
    /// One call that changes a permission set's definition (or creates or deletes it).
    PermissionSet,
    /// ProvisionPermissionSet to one account.
    Provision,
}

impl OpKind {
    pub const ALL: [OpKind; 7] = [
        OpKind::CreateUser,
        OpKind::AddMember,
        OpKind::RemoveMember,
        OpKind::Grant,
        OpKind::Revoke,
        OpKind::PermissionSet,
        OpKind::Provision,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::CreateUser => "create-user",
            OpKind::AddMember => "add-member",
            OpKind::RemoveMember => "remove-member",
            OpKind::Grant => "grant",
            OpKind::Revoke => "revoke",
            OpKind::PermissionSet => "permission-set",
            OpKind::Provision => "provision",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
    /// A permission set's own change (its definition, or provisioning it to an account).
    pub fn is_permission_set(self) -> bool {
        matches!(self, OpKind::PermissionSet | OpKind::Provision)
    }
    /// Assignment changes are asynchronous in AWS and limited per instance.
    pub fn is_assignment(self) -> bool {
        matches!(self, OpKind::Grant | OpKind::Revoke)
    }
}

/// queued → submitted → in-progress → succeeded | failed; blocked waits for a fix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "kebab-case")]
pub enum OpState {
    /// Written, not sent yet (or to be sent again after a retryable refusal).
    Queued,
    /// About to be sent, or sent without an answer recorded: AWS is checked before resending.
    Submitted,
    /// AWS accepted it and is working on it; `request_id` is polled.
    InProgress,
    Succeeded,
    Failed,
    /// Refused for a reason the admin must fix (e.g. a missing permission); retried on request.
    Blocked,
    /// Nothing to do: already granted or already absent when the plan was confirmed.
    Skipped,
    Cancelled,
}

impl OpState {
    pub fn as_str(self) -> &'static str {
        match self {
            OpState::Queued => "queued",
            OpState::Submitted => "submitted",
            OpState::InProgress => "in-progress",
            OpState::Succeeded => "succeeded",
            OpState::Failed => "failed",
            OpState::Blocked => "blocked",
            OpState::Skipped => "skipped",
            OpState::Cancelled => "cancelled",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            OpState::Queued,
            OpState::Submitted,
            OpState::InProgress,
            OpState::Succeeded,
            OpState::Failed,
            OpState::Blocked,
            OpState::Skipped,
            OpState::Cancelled,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
    /// Still to be worked on by the executor.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            OpState::Queued | OpState::Submitted | OpState::InProgress
        )
    }
}

/// What one operation changes, with names for people and ids for AWS: the instance it is
/// aimed at, and the change itself, whose variant says which fields it has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct OpSpec {
    pub instance_arn: String,
    #[serde(flatten)]
    pub change: OpChange,
}

/// One change, by kind (`kind` in JSON, beside the variant's fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum OpChange {
    CreateUser(UserSpec),
    AddMember(MembershipSpec),
    RemoveMember(MembershipSpec),
    Grant(AssignmentSpec),
    Revoke(AssignmentSpec),
    PermissionSet(PermissionSetSpec),
    Provision(ProvisionSpec),
}

/// One call that changes a permission set (IAM Identity Center API). The accounts get a
/// changed definition only when it is provisioned to them ([`ProvisionSpec`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(tag = "api", rename_all = "kebab-case")]
pub enum PsCall {
    CreatePermissionSet {
        description: Option<String>,
        session_duration: String,
        relay_state: Option<String>,
        tags: Vec<Tag>,
    },
    /// Sends every field it sets (AWS cannot clear a description or relay state).
    UpdatePermissionSet {
        description: Option<String>,
        session_duration: String,
        relay_state: Option<String>,
    },
    PutInlinePolicy {
        policy: String,
    },
    DeleteInlinePolicy,
    AttachManagedPolicy {
        arn: String,
    },
    DetachManagedPolicy {
        arn: String,
    },
    AttachCustomerManagedPolicy {
        reference: CustomerManagedRef,
    },
    DetachCustomerManagedPolicy {
        reference: CustomerManagedRef,
    },
    PutPermissionsBoundary {
        boundary: PermissionsBoundary,
    },
    DeletePermissionsBoundary,
    TagResource {
        tags: Vec<Tag>,
    },
    UntagResource {
        keys: Vec<String>,
    },
    DeletePermissionSet,
}

impl PsCall {
    /// The IAM Identity Center action it calls (what the role needs `sso:` permission for).
    pub fn action(&self) -> &'static str {
        match self {
            PsCall::CreatePermissionSet { .. } => "CreatePermissionSet",
            PsCall::UpdatePermissionSet { .. } => "UpdatePermissionSet",
            PsCall::PutInlinePolicy { .. } => "PutInlinePolicyToPermissionSet",
            PsCall::DeleteInlinePolicy => "DeleteInlinePolicyFromPermissionSet",
            PsCall::AttachManagedPolicy { .. } => "AttachManagedPolicyToPermissionSet",
            PsCall::DetachManagedPolicy { .. } => "DetachManagedPolicyFromPermissionSet",
            PsCall::AttachCustomerManagedPolicy { .. } => {
                "AttachCustomerManagedPolicyReferenceToPermissionSet"
            }
            PsCall::DetachCustomerManagedPolicy { .. } => {
                "DetachCustomerManagedPolicyReferenceFromPermissionSet"
            }
            PsCall::PutPermissionsBoundary { .. } => "PutPermissionsBoundaryToPermissionSet",
            PsCall::DeletePermissionsBoundary => "DeletePermissionsBoundaryFromPermissionSet",
            PsCall::TagResource { .. } => "TagResource",
            PsCall::UntagResource { .. } => "UntagResource",
            PsCall::DeletePermissionSet => "DeletePermissionSet",
        }
    }

    /// Whether the accounts' roles must be provisioned again to hold the change (tags
    /// are on the permission set only; a new or deleted set has no role to update).
    pub fn needs_provisioning(&self) -> bool {
        !matches!(
            self,
            PsCall::CreatePermissionSet { .. }
                | PsCall::TagResource { .. }
                | PsCall::UntagResource { .. }
                | PsCall::DeletePermissionSet
        )
    }

    /// "put the inline policy (1,234 characters) on", for "… permission set X".
    fn describe(&self, name: &str) -> String {
        let r = |c: &CustomerManagedRef| format!("{}{}", c.path, c.name);
        match self {
            PsCall::CreatePermissionSet { .. } => format!("create permission set {name}"),
            PsCall::UpdatePermissionSet {
                session_duration, ..
            } => format!(
                "update permission set {name} (description, session duration {session_duration}, relay state)"
            ),
            PsCall::PutInlinePolicy { policy } => format!(
                "put the inline policy ({} characters) on permission set {name}",
                policy.chars().count()
            ),
            PsCall::DeleteInlinePolicy => {
                format!("delete the inline policy of permission set {name}")
            }
            PsCall::AttachManagedPolicy { arn } => {
                format!("attach managed policy {arn} to permission set {name}")
            }
            PsCall::DetachManagedPolicy { arn } => {
                format!("detach managed policy {arn} from permission set {name}")
            }
            PsCall::AttachCustomerManagedPolicy { reference } => format!(
                "attach customer-managed policy {} to permission set {name}",
                r(reference)
            ),
            PsCall::DetachCustomerManagedPolicy { reference } => format!(
                "detach customer-managed policy {} from permission set {name}",
                r(reference)
            ),
            PsCall::PutPermissionsBoundary { boundary } => format!(
                "set the permissions boundary of permission set {name} to {}",
                match (&boundary.managed_policy_arn, &boundary.customer_managed) {
                    (Some(arn), _) => arn.clone(),
                    (None, Some(c)) => r(c),
                    (None, None) => "?".into(),
                }
            ),
            PsCall::DeletePermissionsBoundary => {
                format!("remove the permissions boundary of permission set {name}")
            }
            PsCall::TagResource { tags } => format!(
                "tag permission set {name} with {}",
                tags.iter()
                    .map(|t| format!("{}={}", t.key, t.value))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            PsCall::UntagResource { keys } => {
                format!("remove tags {} from permission set {name}", keys.join(", "))
            }
            PsCall::DeletePermissionSet => format!("delete permission set {name}"),
        }
    }
}

/// A call on one permission set. A set created in the same batch has no ARN until AWS
/// made it; the operations after its creation get the ARN then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct PermissionSetSpec {
    pub permission_set_arn: Option<String>,
    pub permission_set_name: String,
    pub call: PsCall,
}

/// ProvisionPermissionSet of one permission set to one account: the account's role gets
/// the set's current definition.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ProvisionSpec {
    pub account_id: String,
    pub account_name: Option<String>,
    pub permission_set_arn: String,
    pub permission_set_name: String,
}

/// A new user in an identity store.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct UserSpec {
    pub identity_store_id: String,
    pub new_user: NewUser,
    /// The user's id, once AWS created it.
    pub principal_id: Option<String>,
}

/// A user in a group of an identity store (memberships are of users only).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct MembershipSpec {
    pub identity_store_id: String,
    /// The user's id.
    pub principal_id: String,
    pub principal_name: Option<String>,
    pub group_id: String,
    pub group_name: Option<String>,
}

/// A permission set on an account for a user or a group. Names are labels for people
/// (a row written before they were known has none); the ids are what AWS is sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct AssignmentSpec {
    pub account_id: String,
    pub account_name: Option<String>,
    pub permission_set_arn: String,
    pub permission_set_name: Option<String>,
    pub principal_type: PrincipalType,
    pub principal_id: String,
    pub principal_name: Option<String>,
}

/// What a grant request holds and an expiry ends: an assignment, or a user's membership
/// in a group (just-in-time access by joining a group). `target` in JSON names which.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(tag = "target", rename_all = "kebab-case")]
pub enum Granted {
    Assignment(AssignmentSpec),
    Membership(MembershipSpec),
}

impl Granted {
    /// What identifies it in AWS, the same on every machine: the key its requests are
    /// counted by and its expiry schedule is named after. (An assignment's key is the one
    /// its schedule was named after before memberships could expire.)
    pub fn key(&self, instance_arn: &str) -> String {
        match self {
            Granted::Assignment(a) => format!(
                "{instance_arn}\n{}\n{}\n{}",
                a.account_id, a.permission_set_arn, a.principal_id
            ),
            Granted::Membership(m) => format!(
                "membership\n{}\n{}\n{}",
                m.identity_store_id, m.group_id, m.principal_id
            ),
        }
    }

    /// The change that takes it away: a revoke, or a removal from the group.
    pub fn removal(&self) -> OpChange {
        match self {
            Granted::Assignment(a) => OpChange::Revoke(a.clone()),
            Granted::Membership(m) => OpChange::RemoveMember(m.clone()),
        }
    }

    /// The change that gives it, when `change` does (a grant or an addition to a group).
    pub fn given_by(change: &OpChange) -> Option<Granted> {
        match change {
            OpChange::Grant(a) => Some(Granted::Assignment(a.clone())),
            OpChange::AddMember(m) => Some(Granted::Membership(m.clone())),
            _ => None,
        }
    }

    /// What `change` takes away, when it takes something (a revoke or a removal).
    pub fn taken_by(change: &OpChange) -> Option<Granted> {
        match change {
            OpChange::Revoke(a) => Some(Granted::Assignment(a.clone())),
            OpChange::RemoveMember(m) => Some(Granted::Membership(m.clone())),
            _ => None,
        }
    }

    /// The user or group who holds it.
    pub fn principal_id(&self) -> &str {
        match self {
            Granted::Assignment(a) => &a.principal_id,
            Granted::Membership(m) => &m.principal_id,
        }
    }

    /// "AdministratorAccess on prod (111…) to GROUP platform", "USER alice in group oncall".
    pub fn describe(&self) -> String {
        match self {
            Granted::Assignment(a) => a.describe("to"),
            Granted::Membership(m) => format!(
                "USER {} in group {}",
                m.principal_name.as_deref().unwrap_or("?"),
                m.group_name.as_deref().unwrap_or("?")
            ),
        }
    }
}

impl AssignmentSpec {
    /// "AdministratorAccess on prod (111…) to GROUP platform" (`to` or `from`).
    fn describe(&self, to: &str) -> String {
        format!(
            "{} on {} ({}) {to} {} {}",
            self.permission_set_name.as_deref().unwrap_or("?"),
            self.account_name.as_deref().unwrap_or("?"),
            self.account_id,
            self.principal_type.as_str(),
            self.principal_name.as_deref().unwrap_or("?")
        )
    }
}

impl OpSpec {
    /// A grant or a revoke (by `kind`; any other kind is a revoke) of `a` in an instance.
    pub fn on_assignment(kind: OpKind, instance_arn: &str, a: AssignmentSpec) -> OpSpec {
        OpSpec {
            instance_arn: instance_arn.to_owned(),
            change: if kind == OpKind::Grant {
                OpChange::Grant(a)
            } else {
                OpChange::Revoke(a)
            },
        }
    }

    pub fn kind(&self) -> OpKind {
        match self.change {
            OpChange::CreateUser(_) => OpKind::CreateUser,
            OpChange::AddMember(_) => OpKind::AddMember,
            OpChange::RemoveMember(_) => OpKind::RemoveMember,
            OpChange::Grant(_) => OpKind::Grant,
            OpChange::Revoke(_) => OpKind::Revoke,
            OpChange::PermissionSet(_) => OpKind::PermissionSet,
            OpChange::Provision(_) => OpKind::Provision,
        }
    }

    /// The assignment a grant or revoke changes.
    pub fn assignment(&self) -> Option<&AssignmentSpec> {
        match &self.change {
            OpChange::Grant(a) | OpChange::Revoke(a) => Some(a),
            _ => None,
        }
    }

    /// The identity store a user or membership change is made in.
    pub fn identity_store_id(&self) -> Option<&str> {
        match &self.change {
            OpChange::CreateUser(u) => Some(&u.identity_store_id),
            OpChange::AddMember(m) | OpChange::RemoveMember(m) => Some(&m.identity_store_id),
            _ => None,
        }
    }

    /// The user or group the change is about: (type, id once known, name); none for a
    /// permission set's own changes.
    pub fn principal(&self) -> Option<(PrincipalType, Option<&str>, Option<&str>)> {
        match &self.change {
            OpChange::CreateUser(u) => Some((
                PrincipalType::User,
                u.principal_id.as_deref(),
                Some(&u.new_user.user_name),
            )),
            OpChange::AddMember(m) | OpChange::RemoveMember(m) => Some((
                PrincipalType::User,
                Some(&m.principal_id),
                m.principal_name.as_deref(),
            )),
            OpChange::Grant(a) | OpChange::Revoke(a) => Some((
                a.principal_type,
                Some(&a.principal_id),
                a.principal_name.as_deref(),
            )),
            OpChange::PermissionSet(_) | OpChange::Provision(_) => None,
        }
    }

    /// The permission set the change is about: (ARN once known, name).
    pub fn permission_set(&self) -> Option<(Option<&str>, Option<&str>)> {
        match &self.change {
            OpChange::Grant(a) | OpChange::Revoke(a) => Some((
                Some(&a.permission_set_arn),
                a.permission_set_name.as_deref(),
            )),
            OpChange::PermissionSet(p) => Some((
                p.permission_set_arn.as_deref(),
                Some(&p.permission_set_name),
            )),
            OpChange::Provision(p) => {
                Some((Some(&p.permission_set_arn), Some(&p.permission_set_name)))
            }
            _ => None,
        }
    }

    /// The account the change is made in: (id, name).
    pub fn account(&self) -> Option<(&str, Option<&str>)> {
        match &self.change {
            OpChange::Grant(a) | OpChange::Revoke(a) => {
                Some((&a.account_id, a.account_name.as_deref()))
            }
            OpChange::Provision(p) => Some((&p.account_id, p.account_name.as_deref())),
            _ => None,
        }
    }

    /// "grant AdministratorAccess on prod (111…) to GROUP platform" and the like.
    pub fn describe(&self) -> String {
        match &self.change {
            OpChange::CreateUser(u) => format!("create user {}", u.new_user.user_name),
            OpChange::AddMember(m) => format!(
                "add USER {} to group {}",
                m.principal_name.as_deref().unwrap_or("?"),
                m.group_name.as_deref().unwrap_or("?")
            ),
            OpChange::RemoveMember(m) => format!(
                "remove USER {} from group {}",
                m.principal_name.as_deref().unwrap_or("?"),
                m.group_name.as_deref().unwrap_or("?")
            ),
            OpChange::Grant(a) => format!("grant {}", a.describe("to")),
            OpChange::Revoke(a) => format!("revoke {}", a.describe("from")),
            OpChange::PermissionSet(p) => p.call.describe(&p.permission_set_name),
            OpChange::Provision(p) => format!(
                "provision permission set {} to {} ({})",
                p.permission_set_name,
                p.account_name.as_deref().unwrap_or("?"),
                p.account_id
            ),
        }
    }

    /// The (account, permission set) an assignment change holds while in flight.
    pub fn pair(&self) -> Option<(String, String)> {
        self.assignment()
            .map(|a| (a.account_id.clone(), a.permission_set_arn.clone()))
    }
}

/// One operation in the queue, with its history so far.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Operation {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub batch_id: i64,
    pub spec: OpSpec,
    pub state: OpState,
    pub request_id: Option<String>,
    #[ts(type = "number")]
    pub attempts: i64,
    pub last_error: Option<String>,
    pub error_code: Option<crate::error::ErrorCode>,
    pub result: Option<String>,
    #[ts(type = "number | null")]
    pub grant_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
    pub finished_at: Option<String>,
}

/// A confirmed plan.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Batch {
    #[ts(type = "number")]
    pub id: i64,
    pub created_at: String,
    pub actor: String,
    pub reason: Option<String>,
    pub summary: String,
}
