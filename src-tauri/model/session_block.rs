//! Ending live sessions: which user's sessions of which permission set on which account
//! are denied, and until when.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A user's role sessions of one permission set on one account, to be denied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct BlockSpec {
    pub instance_arn: String,
    pub permission_set_arn: String,
    pub permission_set_name: Option<String>,
    pub account_id: String,
    pub account_name: Option<String>,
    pub user_id: String,
    pub user_name: Option<String>,
    /// The permission set's session duration (ISO 8601, e.g. `PT8H`): how long a session
    /// issued before the revoke can last.
    pub session_duration: String,
}

/// pending (asked for, not yet in AWS) → active (denied in AWS) → removed (taken out
/// after the session duration).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "kebab-case")]
pub enum BlockState {
    Pending,
    Active,
    Removed,
}

impl BlockState {
    pub fn as_str(self) -> &'static str {
        match self {
            BlockState::Pending => "pending",
            BlockState::Active => "active",
            BlockState::Removed => "removed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [BlockState::Pending, BlockState::Active, BlockState::Removed]
            .into_iter()
            .find(|b| b.as_str() == s)
    }
}

/// One block as stored, with where it stands.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SessionBlock {
    #[ts(type = "number")]
    pub id: i64,
    #[ts(type = "number")]
    pub batch_id: i64,
    #[serde(flatten)]
    pub spec: BlockSpec,
    pub state: BlockState,
    pub created_at: String,
    pub applied_at: Option<String>,
    /// Sessions are blocked until then (RFC 3339); none until the revoke has finished.
    pub until: Option<String>,
    pub removed_at: Option<String>,
    /// Why the last attempt failed; retried on every run.
    pub error: Option<String>,
}
