//! Tauri commands: a few lines each over a core function.

use serde::Serialize;
use tauri::State;

use super::AppState;
use crate::error::Result;
use crate::model::{Counts, SnapshotInfo};
use crate::store::{self, queries, snapshots};

/// The newest snapshot and what it holds, or nothing before the first sync.
#[derive(Debug, Serialize)]
pub struct Overview {
    pub snapshot: Option<SnapshotInfo>,
    pub counts: Option<Counts>,
}

#[tauri::command]
pub fn overview(state: State<'_, AppState>) -> Result<Overview> {
    let conn = store::open(&state.data_dir)?;
    let Some(id) = snapshots::latest_complete(&conn)? else {
        return Ok(Overview {
            snapshot: None,
            counts: None,
        });
    };
    Ok(Overview {
        snapshot: snapshots::snapshot(&conn, id)?,
        counts: Some(queries::counts(&conn, id)?),
    })
}
