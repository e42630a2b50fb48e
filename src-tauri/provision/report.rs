//! What a run of the queue reports: progress while it runs, the totals when it ends, and
//! the options it runs with.

use std::sync::Arc;

use serde::Serialize;
use ts_rs::TS;

use super::op::MAX_OUTSTANDING;

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ExecProgress {
    pub total: u32,
    pub finished: u32,
    pub in_flight: u32,
    pub failed: u32,
    pub blocked: u32,
}

pub type ExecProgressFn = Arc<dyn Fn(&ExecProgress) + Send + Sync>;

#[derive(Clone)]
pub struct ExecOptions {
    /// Outstanding assignment changes per instance, 1..=15.
    pub max_outstanding: usize,
    pub progress: Option<ExecProgressFn>,
    /// Refresh the touched part of the snapshot when the batches are done.
    pub refresh: bool,
    /// Who the expiry of time-bound grants is attributed to.
    pub actor: String,
    /// The team's webhook (from the keychain), told of grants, revokes and expiries.
    pub webhook: Option<crate::secrets::Sensitive<String>>,
}

impl Default for ExecOptions {
    fn default() -> Self {
        Self {
            max_outstanding: MAX_OUTSTANDING,
            progress: None,
            refresh: true,
            actor: super::op::actor("hallpass"),
            webhook: None,
        }
    }
}

#[derive(Debug, Clone, Default, Serialize, TS)]
#[ts(export)]
pub struct ExecReport {
    pub succeeded: u32,
    pub failed: u32,
    pub blocked: u32,
    /// Left open (e.g. the network went away); the next run resumes them.
    pub remaining: u32,
    pub expired_grants: u32,
    pub overdue_grants: u32,
    #[ts(type = "number | null")]
    pub refreshed_snapshot: Option<i64>,
    pub peak_outstanding: u32,
    /// Time spent sending and polling (resume included), and refreshing the snapshot after.
    #[ts(type = "number")]
    pub run_ms: u64,
    #[ts(type = "number")]
    pub refresh_ms: u64,
    pub last_error: Option<String>,
    /// The expiry schedules in AWS after this run (`None` when the run did not reach them).
    pub schedules: Option<super::expiry_schedules::ScheduleReport>,
    /// Live sessions denied and denies taken out in this run (`--end-sessions`).
    pub sessions: Option<super::sessions::SessionReport>,
    /// What this run has to tell: changes made, failed or blocked, grants expired.
    pub notices: Vec<crate::notify::Notice>,
    /// What the team's webhook was told (`None`: no webhook, or nothing for it).
    pub webhook: Option<crate::notify::WebhookReport>,
}
