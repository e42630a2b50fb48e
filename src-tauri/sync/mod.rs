//! One sync: connect, read every service concurrently under its limits, write one snapshot.

mod context;
mod fetch;
mod members;
pub mod strategy;

use rusqlite::Connection;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::aws::{connect, ConnectParams};
use crate::error::Result;
use crate::model::{Counts, InstanceSource, MemberAccess, SnapshotInfo, Strategy};
use crate::store::{queries, snapshots};

use context::Prior;
pub use context::{Progress, ProgressFn, SyncOptions};
pub use strategy::StrategyChoice;

/// A full member-account scan is repeated at least this often.
pub const FULL_SCAN_INTERVAL: Duration = Duration::from_secs(7 * 24 * 3600);

#[derive(Debug, Clone, Serialize)]
pub struct SyncReport {
    pub snapshot: SnapshotInfo,
    pub counts: Counts,
    pub strategies: Vec<(String, Strategy)>,
    /// Member accounts the scan could not enter (only on full scans).
    pub unreachable: Vec<MemberAccess>,
    /// AWS's expiry schedules after the sync (see `provision::expiry_schedules`).
    pub schedules: crate::provision::expiry_schedules::ScheduleReport,
}

fn prior(conn: &rusqlite::Connection) -> Result<Prior> {
    let Some(latest) = snapshots::latest_complete(conn)? else {
        return Ok(Prior {
            holders: vec![],
            account_instances: vec![],
            scan: vec![],
            full_scan_due: true,
            assignment_rows: HashMap::new(),
        });
    };
    let account_instances: Vec<crate::model::Instance> = queries::instances(conn, latest)?
        .into_iter()
        .filter(|i| i.source == InstanceSource::Account)
        .collect();
    let holders = account_instances
        .iter()
        .map(|i| i.accessed_from.clone())
        .collect();
    let last_full = snapshots::last_full_scan(conn)?;
    let due = match last_full.as_deref().and_then(crate::clock::parse_rfc3339) {
        Some(t) => (time::OffsetDateTime::now_utc() - t) > FULL_SCAN_INTERVAL,
        None => true,
    };
    Ok(Prior {
        holders,
        account_instances,
        scan: queries::member_access(conn, latest)?,
        full_scan_due: due,
        assignment_rows: queries::assignment_rows(conn, latest)?,
    })
}

/// Runs one full sync into the database. A failure is recorded as a failed snapshot
/// entry and leaves every earlier snapshot untouched.
pub async fn run(
    conn: &mut Connection,
    params: &ConnectParams,
    opts: &SyncOptions,
) -> Result<SyncReport> {
    let prior = prior(conn)?;
    let full_scan = opts.full_scan || prior.full_scan_due;
    let started_at = crate::clock::now_rfc3339();
    let clock = Instant::now();
    let mut gate_calls = None;
    let fetched = async {
        let session = connect(params).await?;
        gate_calls = Some(session.gate.clone());
        let result = fetch::fetch_all(&session, &prior, full_scan, opts).await?;
        Ok::<_, crate::error::Error>((result, session))
    }
    .await;
    let meta = |strategy| snapshots::SyncMeta {
        started_at: started_at.clone(),
        finished_at: crate::clock::now_rfc3339(),
        strategy,
        full_scan,
        calls: gate_calls.as_ref().map(|g| g.calls()).unwrap_or_default(),
        duration_ms: clock.elapsed().as_millis() as u64,
        kind: crate::model::SnapshotKind::Sync,
        base: None,
    };
    match fetched {
        Ok((result, session)) => {
            let main_strategy = result.strategies.first().map(|s| s.1);
            if let Some(p) = &opts.progress {
                p(Progress {
                    phase: "write".into(),
                    detail: "writing the snapshot".into(),
                    calls: gate_calls
                        .as_ref()
                        .map(|g| g.calls().values().sum())
                        .unwrap_or(0),
                });
            }
            let info = snapshots::write_snapshot(conn, &result.data, &meta(main_strategy))?;
            let counts = queries::counts(conn, info.id)?;
            let unreachable = result
                .data
                .member_scan
                .iter()
                .flatten()
                .filter(|m| !m.reachable)
                .cloned()
                .collect();
            // Each sync also brings AWS's expiry schedules in line with the requests.
            let schedules = crate::provision::expiry_schedules::after_run(conn, &session).await;
            Ok(SyncReport {
                snapshot: info,
                counts,
                strategies: result.strategies,
                unreachable,
                schedules,
            })
        }
        Err(e) => {
            // Recording the failure must not hide the cause.
            let _ = snapshots::record_failure(conn, &meta(None), &e.to_string());
            Err(e)
        }
    }
}
