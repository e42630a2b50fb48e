//! Offline review from the window: access reviews, drift against a matrix, shared
//! snapshot files, exports and retention. Files are written only into the data folder's
//! `exports/`; files the user picks are read by the window and passed in as text.

use tauri::State;

use super::provisioning::{keep_checked, PlannedChange};
use super::state::AppState;
use crate::error::{Error, Result};
use crate::paths::ExportFormat;
use crate::provision;
use crate::review::access_review;
use crate::review::{drift, export, matrix, share};
use crate::store::reviews::{self, Review, Scope};
use crate::store::{self, retention, snapshots};

/// Writes `text` as `exports/NAME-STAMP.EXT` in the data folder; returns the path.
fn export_file(state: &AppState, name: &str, ext: &str, text: &str) -> Result<String> {
    Ok(
        crate::paths::export_file(&state.live_dir(), name, ext, text)?
            .display()
            .to_string(),
    )
}

#[tauri::command]
pub fn reviews(state: State<'_, AppState>) -> Result<Vec<Review>> {
    reviews::list(&state.db()?)
}

#[tauri::command]
pub fn start_review(
    state: State<'_, AppState>,
    snapshot: Option<i64>,
    scope: Scope,
    target: String,
) -> Result<Review> {
    access_review::start(
        &mut state.db()?,
        snapshot,
        scope,
        &target,
        &provision::actor("desktop"),
    )
}

#[tauri::command]
pub fn decide_review(
    state: State<'_, AppState>,
    id: i64,
    item: u32,
    decision: String,
    note: Option<String>,
) -> Result<Review> {
    access_review::decide(&mut state.db()?, id, item, &decision, note.as_deref())
}

#[tauri::command]
pub fn export_review(state: State<'_, AppState>, id: i64, format: ExportFormat) -> Result<String> {
    let r = reviews::get(&state.db()?, id)?;
    let text = export::review(&r, format);
    export_file(&state, &format!("review-{id}"), format.ext(), &text)
}

/// The revocations a review decided, checked live and kept for confirmation.
#[tauri::command]
pub async fn review_revocation_plan(state: State<'_, AppState>, id: i64) -> Result<PlannedChange> {
    let the_plan = {
        let conn = store::open(&state.live_dir())?;
        access_review::revocation_plan(&conn, &reviews::get(&state.db()?, id)?)?
    };
    keep_checked(&state, the_plan).await
}

#[tauri::command]
pub fn drift_report(state: State<'_, AppState>, text: String) -> Result<drift::DriftReport> {
    let conn = state.db()?;
    let snap = snapshots::resolve(&conn, None)?;
    drift::drift(&conn, snap, &matrix::parse(&text)?)
}

/// The plan that removes the drift, checked live and kept for confirmation.
#[tauri::command]
pub async fn drift_plan(
    state: State<'_, AppState>,
    text: String,
    only_missing: bool,
) -> Result<PlannedChange> {
    let the_plan = {
        let conn = store::open(&state.live_dir())?;
        let snap = snapshots::resolve(&conn, None)?;
        drift::reconcile(&conn, snap, &matrix::parse(&text)?, only_missing)?
    };
    keep_checked(&state, the_plan).await
}

/// The newest snapshot's assignments as a matrix (YAML text), also saved under exports/.
#[tauri::command]
pub fn export_matrix(state: State<'_, AppState>) -> Result<(String, String)> {
    let conn = state.db()?;
    let snap = snapshots::resolve(&conn, None)?;
    let text = matrix::to_yaml(&matrix::export(&conn, snap)?)?;
    let path = export_file(&state, "matrix", "yaml", &text)?;
    Ok((text, path))
}

#[tauri::command]
pub fn export_access_matrix(state: State<'_, AppState>, snapshot: Option<i64>) -> Result<String> {
    let conn = state.db()?;
    let snap = snapshots::resolve(&conn, snapshot)?;
    export_file(
        &state,
        &format!("access-matrix-{snap}"),
        "csv",
        &export::access_matrix_csv(&conn, snap)?,
    )
}

#[tauri::command]
pub fn export_shared_snapshot(state: State<'_, AppState>, snapshot: Option<i64>) -> Result<String> {
    let dir = crate::paths::exports_dir(&state.live_dir())?;
    let conn = state.db()?;
    let id = snapshots::resolve(&conn, snapshot)?;
    let path = dir.join(format!("snapshot-{id}.hallpass.json"));
    share::export(&store::open(&state.dir())?, Some(id), &path)?;
    Ok(path.display().to_string())
}

#[tauri::command]
pub fn import_shared_snapshot(
    state: State<'_, AppState>,
    name: String,
    text: String,
) -> Result<crate::model::SnapshotInfo> {
    if state.is_demo() {
        return Err(Error::InvalidInput(
            "leave the demo to import a snapshot into your own data folder".into(),
        ));
    }
    share::import_bytes(&mut store::open(&state.live_dir())?, text.as_bytes(), &name)
}

#[tauri::command]
pub fn retention_days(state: State<'_, AppState>) -> Result<u32> {
    retention::days(&store::open(&state.live_dir())?)
}

#[tauri::command]
pub fn set_retention(state: State<'_, AppState>, days: u32) -> Result<retention::Pruned> {
    let mut conn = store::open(&state.live_dir())?;
    retention::set_days(&conn, days)?;
    retention::prune(&mut conn)
}

/// Any list the window shows, saved as CSV or JSON under exports/.
#[tauri::command]
pub fn export_list(
    state: State<'_, AppState>,
    name: String,
    format: ExportFormat,
    rows: Vec<serde_json::Value>,
) -> Result<String> {
    let text = match format {
        ExportFormat::Csv => crate::csv::from_rows(&rows),
        ExportFormat::Json => {
            serde_json::to_string_pretty(&rows).map_err(|e| Error::Internal(e.to_string()))?
        }
        ExportFormat::Html => {
            return Err(Error::InvalidInput(
                "a list is exported as csv or json".into(),
            ))
        }
    };
    export_file(&state, &name, format.ext(), &text)
}
