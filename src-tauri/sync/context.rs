//! What a sync works with: its options, how it reports progress, and what the earlier
//! snapshots tell it.

use std::collections::HashMap;
use std::sync::Arc;

use serde::Serialize;

use super::strategy::StrategyChoice;
use crate::aws::sso::InstanceMeta;
use crate::aws::Session;
use crate::model::{Instance, InstanceSource, MemberAccess, PrincipalType};

/// What the sync is doing now, for a progress bar or a log line.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct Progress {
    pub phase: String,
    pub detail: String,
    /// API calls made so far.
    #[ts(type = "number")]
    pub calls: u64,
}

pub type ProgressFn = Arc<dyn Fn(Progress) + Send + Sync>;

#[derive(Clone, Default)]
pub struct SyncOptions {
    /// Scan every member account for Identity Center instances, whatever the schedule says.
    pub full_scan: bool,
    pub strategy: StrategyChoice,
    pub progress: Option<ProgressFn>,
}

/// What the previous snapshots tell this sync.
pub(crate) struct Prior {
    /// Member accounts known to hold an account instance.
    pub holders: Vec<String>,
    /// Those account instances, kept when their account cannot be entered this time.
    pub account_instances: Vec<crate::model::Instance>,
    /// The newest member-account scan, which a sync that could not enter a holder updates.
    pub scan: Vec<MemberAccess>,
    pub full_scan_due: bool,
    /// Assignment rows per principal at the last sync (predicts what listings cost).
    pub assignment_rows: HashMap<(PrincipalType, String), usize>,
}

pub(super) fn report(session: &Session, opts: &SyncOptions, phase: &str, detail: String) {
    if let Some(p) = &opts.progress {
        p(Progress {
            phase: phase.to_owned(),
            detail,
            calls: session.gate.calls().values().sum(),
        });
    }
}

pub(super) fn instance(
    meta: &InstanceMeta,
    region: &str,
    source: InstanceSource,
    accessed_from: &str,
) -> Instance {
    Instance {
        instance_arn: meta.instance_arn.clone(),
        identity_store_id: meta.identity_store_id.clone(),
        owner_account_id: meta.owner_account_id.clone(),
        region: region.to_owned(),
        name: meta.name.clone(),
        status: meta.status.clone(),
        source,
        accessed_from: accessed_from.to_owned(),
        regions: Vec::new(),
        administered_by: None,
    }
}
