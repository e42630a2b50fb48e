//! One permission set's definition: everything an admin sets on it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

pub use crate::model::Tag;
use crate::model::{CustomerManagedRef, PermissionSet, PermissionsBoundary};

/// What a permission set is: the fields of CreatePermissionSet and the policies attached
/// to it. Managed policies by ARN; customer-managed policies by name and path (they must
/// exist in every account the set is provisioned to). The default is blank (nothing set).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Definition {
    pub name: String,
    pub description: Option<String>,
    /// ISO 8601, from PT1H to PT12H.
    pub session_duration: String,
    pub relay_state: Option<String>,
    /// The inline policy's JSON text.
    pub inline_policy: Option<String>,
    pub managed_policies: Vec<String>,
    pub customer_managed: Vec<CustomerManagedRef>,
    pub boundary: Option<PermissionsBoundary>,
    pub tags: Vec<Tag>,
}

pub use crate::model::DEFAULT_SESSION_DURATION as DEFAULT_SESSION;

impl Definition {
    /// The definition of a permission set as the snapshot holds it (tags are not synced).
    pub fn of(ps: &PermissionSet) -> Self {
        Definition {
            name: ps.name.clone(),
            description: ps.description.clone(),
            session_duration: ps
                .session_duration
                .clone()
                .unwrap_or_else(|| DEFAULT_SESSION.into()),
            relay_state: ps.relay_state.clone(),
            inline_policy: ps.inline_policy.clone().filter(|p| !p.trim().is_empty()),
            managed_policies: ps.managed_policies.clone(),
            customer_managed: ps.customer_managed_policies.clone(),
            boundary: ps.permissions_boundary.clone(),
            tags: vec![],
        }
    }
}
