//! Tauri commands: a few lines each over a core function.

use tauri::{AppHandle, State};

use super::background;
use super::state::{AppState, AppStatus};
use crate::aws::{connect::CallerIdentity, Rates};
use crate::error::Result;
use crate::model::{AccessRow, AccountGrant, PermissionSet, SnapshotInfo};
use crate::screens::{
    self, GroupDetail, OrgTree, People, PermissionSetDetail, PolicyDocuments, UserDetail,
};
use crate::setup::check::{self, CheckStep};
use crate::setup::connection::{self, ConnectionInfo};
use crate::setup::{generate_external_id as new_external_id, profiles};
use crate::store::{self, snapshots as snaps};

// Commands that read the keychain are async: Tauri runs sync commands on the
// main thread, and a keychain prompt there would freeze the window.
#[tauri::command]
pub async fn app_status(state: State<'_, AppState>) -> Result<AppStatus> {
    state.status()
}

/// The organizations on this machine, for the switcher.
#[tauri::command]
pub fn organizations(state: State<'_, AppState>) -> Result<Vec<crate::orgs::OrgFolder>> {
    crate::orgs::list(state.root())
}

/// Opens another organization; the window reloads what it shows.
#[tauri::command]
pub fn switch_organization(state: State<'_, AppState>, name: String) -> Result<AppStatus> {
    state.switch(&name)?;
    state.status()
}

/// Adds an organization (its own data folder and keychain entry) and opens it: the
/// setup wizard connects it next.
#[tauri::command]
pub fn add_organization(state: State<'_, AppState>, name: String) -> Result<AppStatus> {
    crate::orgs::add(state.root(), &name)?;
    state.switch(&name)?;
    state.status()
}

#[tauri::command]
pub fn list_profiles() -> Vec<String> {
    profiles::list_profiles()
}

#[tauri::command]
pub async fn caller_identity(profile: Option<String>) -> Result<CallerIdentity> {
    if let Some(p) = &profile {
        profiles::validate_profile_name(p)?;
    }
    super::worker::off_thread(move || async move {
        let gate = crate::aws::Gate::new(Rates::default(), vec![]);
        crate::aws::connect::base_identity(profile.as_deref(), &gate)
            .await
            .map(|(_, caller)| caller)
    })
    .await
}

#[tauri::command]
pub async fn detect_region(profile: Option<String>) -> Result<Vec<String>> {
    if let Some(p) = &profile {
        profiles::validate_profile_name(p)?;
    }
    super::worker::off_thread(move || async move {
        Ok(
            crate::aws::connect::detect_region(profile.as_deref(), Rates::default())
                .await?
                .1,
        )
    })
    .await
}

#[tauri::command]
pub fn generate_external_id() -> String {
    new_external_id()
}

#[tauri::command]
pub fn policy_documents(
    caller_arn: String,
    external_id: String,
    access: crate::model::AccessLevel,
) -> Result<PolicyDocuments> {
    screens::policy_documents(&caller_arn, &external_id, access)
}

#[tauri::command]
pub async fn save_connection(
    state: State<'_, AppState>,
    role_arn: String,
    external_id: String,
    region: String,
    profile: Option<String>,
    access: crate::model::AccessLevel,
) -> Result<ConnectionInfo> {
    let conn = store::open(&state.live_dir())?;
    connection::save(
        &conn,
        &state.keychain()?,
        &role_arn,
        &external_id,
        &region,
        profile.as_deref(),
        access,
    )?;
    connection::info(&conn, &state.keychain()?)
}

/// Changes what the stored connection may do.
#[tauri::command]
pub fn set_access(
    state: State<'_, AppState>,
    access: crate::model::AccessLevel,
) -> Result<ConnectionInfo> {
    let conn = store::open(&state.live_dir())?;
    connection::set_access(&conn, access)?;
    connection::info(&conn, &state.keychain()?)
}

#[tauri::command]
pub async fn test_connection(state: State<'_, AppState>) -> Result<Vec<CheckStep>> {
    let params = state.connect_params()?;
    super::worker::off_thread(move || async move { Ok(check::test_connection(&params).await) })
        .await
}

#[tauri::command]
pub async fn forget_connection(state: State<'_, AppState>) -> Result<ConnectionInfo> {
    connection::forget(&state.keychain()?)?;
    connection::info(&store::open(&state.live_dir())?, &state.keychain()?)
}

#[tauri::command]
pub async fn set_sync_interval(state: State<'_, AppState>, minutes: u32) -> Result<ConnectionInfo> {
    let conn = store::open(&state.live_dir())?;
    connection::set_sync_interval_minutes(&conn, minutes)?;
    connection::info(&conn, &state.keychain()?)
}

/// Starts a sync; progress arrives as `sync-progress` events, the end as `sync-finished`.
#[tauri::command]
pub fn start_sync(app: AppHandle, full_scan: bool) -> Result<bool> {
    background::spawn_sync(&app, full_scan, false)
}

#[tauri::command]
pub fn snapshots(state: State<'_, AppState>) -> Result<Vec<SnapshotInfo>> {
    let mut list = snaps::list(&state.db()?)?;
    list.reverse();
    Ok(list)
}

#[tauri::command]
pub fn org_tree(state: State<'_, AppState>, snapshot: Option<i64>) -> Result<OrgTree> {
    screens::org_tree(&state.db()?, snapshot)
}

#[tauri::command]
pub fn account_access(
    state: State<'_, AppState>,
    snapshot: Option<i64>,
    account_id: String,
) -> Result<Vec<AccessRow>> {
    screens::account_access(&state.db()?, snapshot, &account_id)
}

#[tauri::command]
pub fn startup_ms() -> u64 {
    super::worker::startup_ms()
}

#[tauri::command]
pub fn account_grants(
    state: State<'_, AppState>,
    snapshot: Option<i64>,
    account_id: String,
) -> Result<Vec<AccountGrant>> {
    screens::account_grants(&state.db()?, snapshot, &account_id)
}

#[tauri::command]
pub fn people(state: State<'_, AppState>, snapshot: Option<i64>) -> Result<People> {
    screens::people(&state.db()?, snapshot)
}

#[tauri::command]
pub fn user_detail(
    state: State<'_, AppState>,
    snapshot: Option<i64>,
    user_id: String,
) -> Result<UserDetail> {
    screens::user_detail(&state.db()?, snapshot, &user_id)
}

#[tauri::command]
pub fn group_detail(
    state: State<'_, AppState>,
    snapshot: Option<i64>,
    group_id: String,
) -> Result<GroupDetail> {
    screens::group_detail(&state.db()?, snapshot, &group_id)
}

#[tauri::command]
pub fn permission_sets(
    state: State<'_, AppState>,
    snapshot: Option<i64>,
) -> Result<Vec<PermissionSet>> {
    screens::permission_sets(&state.db()?, snapshot)
}

#[tauri::command]
pub fn permission_set_detail(
    state: State<'_, AppState>,
    snapshot: Option<i64>,
    arn: String,
) -> Result<PermissionSetDetail> {
    screens::permission_set_detail(&state.db()?, snapshot, &arn)
}

/// The overview's "is everything all right?": findings, time-bound access, the queue,
/// who gained or lost access since the previous sync.
#[tauri::command]
pub fn health(state: State<'_, AppState>) -> Result<screens::Health> {
    screens::health(&state.db()?)
}

/// Find anything in a snapshot (Ctrl/Cmd+K): answered by SQLite, a few per kind.
#[tauri::command]
pub fn search(
    state: State<'_, AppState>,
    snapshot: Option<i64>,
    query: String,
) -> Result<crate::model::SearchResults> {
    screens::search(&state.db()?, snapshot, &query)
}

/// The access portal: the default address of each instance, and the custom one if set.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct PortalSetting {
    pub defaults: Vec<String>,
    pub custom: Option<String>,
}

fn portal_setting_of(conn: &rusqlite::Connection) -> Result<PortalSetting> {
    let defaults = match crate::store::snapshots::latest_complete(conn)? {
        Some(snap) => crate::store::queries::instances(conn, snap)?
            .iter()
            .filter(|i| i.source == crate::model::InstanceSource::Organization)
            .map(crate::portal::default_portal)
            .collect(),
        None => vec![],
    };
    Ok(PortalSetting {
        defaults,
        custom: crate::portal::custom_portal(conn)?,
    })
}

#[tauri::command]
pub fn portal_setting(state: State<'_, AppState>) -> Result<PortalSetting> {
    portal_setting_of(&state.db()?)
}

/// Sets the custom access portal address (none: back to the default).
#[tauri::command]
pub fn set_portal_url(state: State<'_, AppState>, url: Option<String>) -> Result<PortalSetting> {
    let conn = state.db()?;
    crate::portal::set_custom_portal(&conn, url.as_deref())?;
    portal_setting_of(&conn)
}

/// Opens a console link in the browser: only a link this organization's portal makes.
#[tauri::command]
pub fn open_console(app: tauri::AppHandle, state: State<'_, AppState>, url: String) -> Result<()> {
    use tauri_plugin_opener::OpenerExt;
    let conn = state.db()?;
    let snap = crate::store::snapshots::resolve(&conn, None)?;
    let instances = crate::store::queries::instances(&conn, snap)?;
    let custom = crate::portal::custom_portal(&conn)?;
    if !crate::portal::is_console_link(&instances, custom.as_deref(), &url) {
        return Err(crate::error::Error::InvalidInput(
            "only a console link of this organization's access portal can be opened".into(),
        ));
    }
    app.opener().open_url(&url, None::<&str>).map_err(|e| {
        crate::error::Error::InvalidInput(format!("cannot open the browser for {url}: {e}"))
    })
}

/// Every version of a permission set the snapshots kept, and what each changed.
#[tauri::command]
pub fn permission_set_history(
    state: State<'_, AppState>,
    arn: String,
) -> Result<Vec<crate::authoring::history::Version>> {
    crate::authoring::history::history(&state.db()?, &arn)
}

#[tauri::command]
pub fn assignment_matrix(
    state: State<'_, AppState>,
    snapshot: Option<i64>,
    principal_type: crate::model::PrincipalType,
    principal_id: String,
) -> Result<screens::AssignmentMatrix> {
    screens::assignment_matrix(&state.db()?, snapshot, principal_type, &principal_id)
}

/// What changed between two snapshots (default: the newest and the one before).
#[tauri::command]
pub fn snapshot_diff(
    state: State<'_, AppState>,
    from: Option<i64>,
    to: Option<i64>,
) -> Result<crate::review::diff::SnapshotDiff> {
    let conn = state.db()?;
    let (a, b) = crate::review::diff::pick(&conn, from, to)?;
    crate::review::diff::diff(&conn, a, b)
}

/// Who gained or lost access to an account between two snapshots.
#[tauri::command]
pub fn access_changes(
    state: State<'_, AppState>,
    account: String,
    from: i64,
    to: i64,
) -> Result<crate::review::diff::AccessChanges> {
    crate::review::diff::access_changes(&state.db()?, &account, from, to)
}

#[tauri::command]
pub async fn open_demo(state: State<'_, AppState>) -> Result<AppStatus> {
    state.set_demo(true)?;
    state.status()
}

#[tauri::command]
pub async fn leave_demo(state: State<'_, AppState>) -> Result<AppStatus> {
    state.set_demo(false)?;
    state.status()
}
