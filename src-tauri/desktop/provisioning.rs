//! Changing access from the window: plan, confirm, and the queue run in the background
//! (`ops-progress` / `ops-finished` events), grant expiry while the app is open.

use crate::model::session_block::SessionBlock;
use std::sync::Arc;

use serde::Serialize;
use tauri::{AppHandle, Emitter, Manager, State};
use ts_rs::TS;

use super::state::{AppState, Confirmable};
use crate::error::{Error, ErrorInfo, Result};
use crate::model::operation::Batch;
use crate::paths::ExportFormat;
use crate::provision::plan::{self, Plan, Request};
use crate::provision::{self, ExecOptions, ExecProgress, ExecReport, Operation};
use crate::provision::{batch, expiry_schedules};
use crate::store;
use crate::store::audit::{self, AuditEntry};
use crate::store::grants::{self, GrantRequest};
use crate::store::operations;

/// Sent as `ops-finished` when a run of the queue ends.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct OpsFinished {
    pub report: Option<ExecReport>,
    pub error: Option<ErrorInfo>,
}

/// The queue as the queue view shows it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct QueueView {
    pub operations: Vec<Operation>,
    pub batches: Vec<Batch>,
    pub running: bool,
    /// Outstanding assignment changes allowed per instance.
    pub max_outstanding: u32,
}

fn refuse_demo(state: &AppState) -> Result<()> {
    if state.is_demo() {
        return Err(Error::InvalidInput(
            "the demo organization is read-only; leave the demo to change your own".into(),
        ));
    }
    Ok(())
}

/// Every change from the window starts here: refused in the demo and on a read-only
/// connection, before anything is planned, queued or sent.
pub(super) fn refuse_change(state: &AppState) -> Result<()> {
    refuse_demo(state)?;
    provision::require_full(state.access()?)
}

/// Runs the queue in the background; `Ok(false)` when a run is already going (it
/// picks up what was just queued before it stops).
pub fn spawn_ops(app: &AppHandle) -> Result<bool> {
    let state = app.state::<AppState>();
    if state.is_demo() {
        return Ok(false);
    }
    let params = state.connect_params()?;
    // A read-only connection runs nothing (its open operations wait for full access).
    if params.access != crate::model::AccessLevel::Full {
        return Ok(false);
    }
    if !state.begin_ops() {
        return Ok(false);
    }
    let live = state.live_dir();
    let app = app.clone();
    std::thread::spawn(move || {
        let emitter = app.clone();
        let opts = ExecOptions {
            max_outstanding: max_outstanding(&live),
            progress: Some(Arc::new(move |p: &ExecProgress| {
                let _ = emitter.emit("ops-progress", p.clone());
            })),
            actor: provision::actor("desktop"),
            webhook: store::open(&live)
                .ok()
                .and_then(|c| crate::notify::configured(&c)),
            ..Default::default()
        };
        let result = super::worker::block_on(async {
            let session = crate::aws::connect(&params).await?;
            let mut report = provision::execute(&mut store::open(&live)?, &session, &opts).await?;
            // Work queued while this run was busy is taken in the same session.
            for _ in 0..5 {
                if report.remaining > 0 || operations::open(&store::open(&live)?)?.is_empty() {
                    break;
                }
                let earlier = std::mem::take(&mut report.notices);
                report = provision::execute(&mut store::open(&live)?, &session, &opts).await?;
                report.notices.splice(0..0, earlier);
            }
            Ok(report)
        });
        app.state::<AppState>().end_ops();
        if let Ok(report) = &result {
            super::notices::show(&app, &report.notices);
        }
        let finished = match result {
            Ok(report) => OpsFinished {
                report: Some(report),
                error: None,
            },
            Err(e) => OpsFinished {
                report: None,
                error: Some(ErrorInfo::from(&e)),
            },
        };
        let _ = app.emit("ops-finished", finished);
    });
    Ok(true)
}

fn max_outstanding(dir: &std::path::Path) -> usize {
    store::open(dir)
        .and_then(|c| provision::max_outstanding(&c))
        .unwrap_or(provision::MAX_OUTSTANDING)
}

/// Anything to do now: open operations left by a previous run, grants that expired, or
/// live-session denies to write or (their time over) to take out.
pub fn work_due(app: &AppHandle) -> Result<bool> {
    let state = app.state::<AppState>();
    if state.is_demo() || state.is_running_ops() || state.is_offline() {
        return Ok(false);
    }
    if state.access()? != crate::model::AccessLevel::Full {
        return Ok(false);
    }
    let conn = store::open(&state.live_dir())?;
    let expiry_due =
        grants::next_expiry(&conn)?.is_some_and(|t| t <= time::OffsetDateTime::now_utc());
    let blocks_due = crate::store::session_blocks::work_due(&conn, &crate::clock::now_rfc3339())?;
    Ok(expiry_due || blocks_due || !operations::open(&conn)?.is_empty())
}

/// A plan to show, and the id that confirms it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PlannedChange {
    pub id: String,
    pub plan: Plan,
    /// How many accounts the changes touch.
    pub accounts: u32,
}

/// Checks `the_plan` against AWS itself and keeps it for confirmation.
pub(super) async fn keep_checked(state: &AppState, the_plan: Plan) -> Result<PlannedChange> {
    refuse_change(state)?;
    let live = state.live_dir();
    let params = state.connect_params()?;
    let the_plan = super::worker::off_thread(move || async move {
        let mut the_plan = the_plan;
        let session = crate::aws::connect(&params).await?;
        plan::live_check(&session, &store::open(&live)?, &mut the_plan).await?;
        Ok(the_plan)
    })
    .await?;
    let accounts = the_plan
        .items
        .iter()
        .filter(|i| i.noop.is_none())
        .filter_map(|i| i.spec.assignment().map(|a| a.account_id.as_str()))
        .collect::<std::collections::BTreeSet<_>>()
        .len() as u32;
    let id = state.pending.keep(Confirmable::Change {
        plan: the_plan.clone(),
    })?;
    Ok(PlannedChange {
        id,
        plan: the_plan,
        accounts,
    })
}

/// The plan for one or more requests: against the newest snapshot, then checked live.
#[tauri::command]
pub async fn plan_change(
    state: State<'_, AppState>,
    requests: Vec<Request>,
    reason: Option<String>,
) -> Result<PlannedChange> {
    refuse_change(&state)?;
    for r in &requests {
        plan::require_reason(r, reason.as_deref())?;
    }
    let the_plan = plan::plan_all(&store::open(&state.live_dir())?, &requests)?;
    keep_checked(&state, the_plan).await
}

/// Queues the plan kept under `plan_id` (exactly as planned and checked) and starts the
/// queue; returns the batch id. The window cannot send a plan of its own.
#[tauri::command]
pub async fn apply_change(
    app: AppHandle,
    state: State<'_, AppState>,
    plan_id: String,
    reason: Option<String>,
) -> Result<i64> {
    refuse_change(&state)?;
    let Confirmable::Change { plan, .. } = state.pending.take(&plan_id)? else {
        return Err(Error::InvalidInput(
            "this id is not a plan of changes to access".into(),
        ));
    };
    let reason = reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    plan::require_reason_for_plan(&plan, reason)?;
    let mut conn = store::open(&state.live_dir())?;
    let batch = batch::enqueue(&mut conn, &plan, &provision::actor("desktop"), reason)?;
    spawn_ops(&app)?;
    Ok(batch)
}

/// Forgets a plan the person cancelled.
#[tauri::command]
pub fn discard_plan(state: State<'_, AppState>, plan_id: String) {
    state.pending.discard(&plan_id);
}

#[tauri::command]
pub fn queue_view(state: State<'_, AppState>) -> Result<QueueView> {
    let conn = store::open(&state.live_dir())?;
    Ok(QueueView {
        operations: operations::list(&conn, None, 500)?,
        batches: operations::batches(&conn, 50)?,
        running: state.is_running_ops(),
        max_outstanding: provision::max_outstanding(&conn)? as u32,
    })
}

#[tauri::command]
pub fn set_max_outstanding(state: State<'_, AppState>, n: usize) -> Result<()> {
    provision::set_max_outstanding(&store::open(&state.live_dir())?, n)
}

#[tauri::command]
pub fn retry_operations(
    app: AppHandle,
    state: State<'_, AppState>,
    ids: Vec<i64>,
) -> Result<usize> {
    refuse_change(&state)?;
    let n = operations::retry(
        &mut store::open(&state.live_dir())?,
        &ids,
        &provision::actor("desktop"),
    )?;
    spawn_ops(&app)?;
    Ok(n)
}

#[tauri::command]
pub fn cancel_operation(state: State<'_, AppState>, id: i64) -> Result<()> {
    refuse_demo(&state)?;
    operations::cancel(
        &mut store::open(&state.live_dir())?,
        id,
        &provision::actor("desktop"),
    )
}

#[tauri::command]
pub fn grant_requests(state: State<'_, AppState>, all: bool) -> Result<Vec<GrantRequest>> {
    grants::list(&store::open(&state.live_dir())?, !all)
}

#[tauri::command]
pub fn end_grant(
    app: AppHandle,
    state: State<'_, AppState>,
    id: i64,
    end_sessions: bool,
) -> Result<bool> {
    refuse_change(&state)?;
    let mut conn = store::open(&state.live_dir())?;
    let batch =
        provision::expiry::end_request(&mut conn, id, &provision::actor("desktop"), end_sessions)?;
    // The run also moves the assignment's AWS expiry schedule when the assignment stays.
    if batch.is_some() || provision::expiry_schedules::enabled(&conn)? {
        spawn_ops(&app)?;
    }
    Ok(batch.is_some())
}

/// Users whose live sessions are being ended, and until when (`all`: also those done).
#[tauri::command]
pub fn session_blocks(state: State<'_, AppState>, all: bool) -> Result<Vec<SessionBlock>> {
    provision::sessions::list(&store::open(&state.live_dir())?, all)
}

#[tauri::command]
pub fn audit_entries(state: State<'_, AppState>, limit: usize) -> Result<Vec<AuditEntry>> {
    audit::list(&store::open(&state.live_dir())?, limit.clamp(1, 100_000))
}

/// Writes the audit log to the data folder's `exports` folder; returns the file's path.
#[tauri::command]
pub fn export_audit(state: State<'_, AppState>, format: ExportFormat) -> Result<String> {
    let entries = audit::list(&store::open(&state.live_dir())?, usize::MAX >> 1)?;
    let text = match format {
        ExportFormat::Csv => audit::to_csv(&entries),
        ExportFormat::Json => {
            serde_json::to_string_pretty(&entries).map_err(|e| Error::Internal(e.to_string()))?
        }
        ExportFormat::Html => {
            return Err(Error::InvalidInput(
                "the audit log is exported as csv or json".into(),
            ))
        }
    };
    Ok(
        crate::paths::export_file(&state.live_dir(), "audit", format.ext(), &text)?
            .display()
            .to_string(),
    )
}

/// The expiry role's trust and permissions policies (Settings → Expiry).
#[tauri::command]
pub fn expiry_policies(state: State<'_, AppState>) -> Result<expiry_schedules::RolePolicies> {
    expiry_schedules::role_policies(&store::open(&state.live_dir())?)
}

/// Turns expiry by AWS on (AWS checks the expiry role first) or off (Hallpass's schedules
/// are deleted). Returns the status after.
#[tauri::command]
pub async fn set_expiry_by_aws(
    state: State<'_, AppState>,
    on: bool,
) -> Result<expiry_schedules::ExpiryStatus> {
    refuse_change(&state)?;
    let p = state.connect_params()?;
    let dir = state.live_dir();
    super::worker::off_thread(move || async move {
        let session = crate::aws::connect(&p).await?;
        let conn = store::open(&dir)?;
        if on {
            expiry_schedules::enable(&conn, &session).await?;
        } else {
            expiry_schedules::disable(&conn, &session).await?;
        }
        expiry_schedules::status(&conn)
    })
    .await
}
