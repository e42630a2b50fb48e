//! Work that runs beside the window: syncs (on demand and periodic) and the offline probe.

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager};
use ts_rs::TS;

use super::state::AppState;
use crate::aws::{self, Rates};
use crate::error::{AwsErrorKind, Error, ErrorInfo, Result};
use crate::setup::connection;
use crate::store::{self, snapshots};
use crate::sync::{self, Progress, SyncOptions};

/// How often the background loop looks at the clock.
const TICK: Duration = Duration::from_secs(30);

/// Sent as `sync-finished` when a sync ends.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SyncFinished {
    #[ts(type = "number | null")]
    pub snapshot_id: Option<i64>,
    pub error: Option<ErrorInfo>,
}

/// Starts a sync in the background; `Ok(false)` when one is already running.
/// `periodic`: started by the clock, not by the admin, so a failure is also notified.
pub fn spawn_sync(app: &AppHandle, full_scan: bool, periodic: bool) -> Result<bool> {
    let state = app.state::<AppState>();
    if state.is_demo() {
        return Err(Error::InvalidInput(
            "the demo organization is read-only; leave the demo to sync your own".into(),
        ));
    }
    let live = state.live_dir();
    let params = state.connect_params()?;
    if !state.begin_sync() {
        return Ok(false);
    }
    let app = app.clone();
    std::thread::spawn(move || {
        let emitter = app.clone();
        let opts = SyncOptions {
            full_scan,
            progress: Some(Arc::new(move |p: Progress| {
                let _ = emitter.emit("sync-progress", p);
            })),
            ..Default::default()
        };
        let result = store::open(&live)
            .and_then(|mut conn| super::worker::block_on(sync::run(&mut conn, &params, &opts)));
        let state = app.state::<AppState>();
        state.end_sync();
        let finished = match result {
            Ok(report) => {
                state.set_offline(None);
                // The snapshot checks run after every sync; the Checks view reads the result.
                if let Err(e) =
                    store::open(&live).and_then(|mut c| crate::checks::run_offline(&mut c))
                {
                    crate::logs::warn(format!("the checks after the sync failed: {e}"));
                }
                SyncFinished {
                    snapshot_id: Some(report.snapshot.id),
                    error: None,
                }
            }
            Err(e) => {
                if e.aws_kind() == Some(AwsErrorKind::Network) {
                    state.set_offline(Some(e.to_string()));
                }
                if periodic {
                    super::notices::show(&app, &[crate::notify::sync_failed(&e.to_string())]);
                }
                SyncFinished {
                    snapshot_id: None,
                    error: Some(ErrorInfo::from(&e)),
                }
            }
        };
        let _ = app.emit("sync-finished", finished);
    });
    Ok(true)
}

/// Can AWS be reached with the stored connection's base credentials?
async fn probe(app: &AppHandle) {
    let state = app.state::<AppState>();
    let Ok(params) = state.connect_params() else {
        return;
    };
    let result = super::worker::off_thread(move || async move {
        let gate = aws::Gate::new(Rates::default(), vec![]);
        aws::connect::base_caller(&params.region, params.profile.as_deref(), &gate).await
    })
    .await;
    match result {
        Err(e) if e.aws_kind() == Some(AwsErrorKind::Network) => {
            state.set_offline(Some(e.to_string()))
        }
        _ => state.set_offline(None),
    }
    let _ = app.emit("status-changed", ());
}

fn sync_due(app: &AppHandle) -> Result<bool> {
    let state = app.state::<AppState>();
    if state.is_demo() {
        return Ok(false);
    }
    let conn = store::open(&state.live_dir())?;
    let minutes = connection::sync_interval_minutes(&conn)?;
    if minutes == 0 {
        return Ok(false);
    }
    let Some(id) = snapshots::latest_complete(&conn)? else {
        return Ok(false); // the first sync is the wizard's
    };
    let finished = snapshots::snapshot(&conn, id)?
        .map(|s| s.finished_at)
        .unwrap_or_default();
    let age = crate::clock::parse_rfc3339(&finished)
        .map(|t| time::OffsetDateTime::now_utc() - t)
        .unwrap_or(time::Duration::MAX);
    Ok(age >= time::Duration::minutes(minutes as i64))
}

/// How often the queue runner looks for expired grants and left-over operations.
const OPS_TICK: Duration = Duration::from_secs(5);

/// The offline probe at start, then periodic syncs while the app is open; the queue
/// is resumed at start (after a crash) and grants are revoked as they expire.
pub fn start(app: AppHandle) {
    let ops_app = app.clone();
    tauri::async_runtime::spawn(async move {
        loop {
            if let Ok(true) = super::provisioning::work_due(&ops_app) {
                let _ = super::provisioning::spawn_ops(&ops_app);
            }
            super::notices::announce(&ops_app);
            tokio::time::sleep(OPS_TICK).await;
        }
    });
    tauri::async_runtime::spawn(async move {
        probe(&app).await;
        loop {
            tokio::time::sleep(TICK).await;
            if app
                .state::<AppState>()
                .status()
                .map(|s| s.offline.is_some())
                .unwrap_or(false)
            {
                probe(&app).await;
            }
            if let Ok(true) = sync_due(&app) {
                let _ = spawn_sync(&app, false, true);
            }
        }
    });
}
