//! The damaged-database screen's commands: list the backups, restore one, or start empty.

use tauri::State;

use super::state::{AppState, AppStatus};
use crate::error::{Error, Result};
use crate::store::backup::{self, Backup};

#[tauri::command]
pub fn database_backups(state: State<'_, AppState>) -> Result<Vec<Backup>> {
    backup::list(&state.live_dir())
}

/// `name` must be one of [`database_backups`]' names; the current file is kept aside.
#[tauri::command]
pub async fn restore_backup(state: State<'_, AppState>, name: String) -> Result<AppStatus> {
    with_database_closed(&state, || {
        crate::store::recover::restore(&state.live_dir(), &name).map(drop)
    })
}

#[tauri::command]
pub async fn start_empty_database(state: State<'_, AppState>) -> Result<AppStatus> {
    with_database_closed(&state, || {
        crate::store::recover::start_empty(&state.live_dir()).map(drop)
    })
}

/// Holds the sync slot so no sync writes while the file is swapped, and refuses while
/// the provisioning queue runs.
fn with_database_closed(state: &AppState, swap: impl FnOnce() -> Result<()>) -> Result<AppStatus> {
    if state.is_running_ops() || !state.begin_sync() {
        return Err(Error::InvalidInput(
            "a sync or a batch of changes is running; wait for it to finish, then try again".into(),
        ));
    }
    let swapped = swap();
    state.end_sync();
    swapped?;
    state.status()
}
