//! The desktop shell (Tauri 2). Commands are thin adapters over the same core the CLI calls.

mod background;
mod checks;
mod commands;
mod database;
mod notices;
mod permission_sets;
mod provisioning;
mod review;
mod state;
mod worker;

use std::path::PathBuf;

pub use state::AppState;

/// Opens the window. `demo` opens the bundled demo organization instead of yours.
pub fn run(demo: bool) {
    worker::mark_started();
    let data_dir =
        match crate::paths::data_dir(std::env::var_os("HALLPASS_DATA_DIR").map(PathBuf::from)) {
            Ok(d) => d,
            Err(e) => {
                eprintln!("error: {e}");
                std::process::exit(1);
            }
        };
    crate::logs::init(&data_dir);
    crate::logs::info(format!(
        "the app started (Hallpass {})",
        env!("CARGO_PKG_VERSION")
    ));
    let state = AppState::new(data_dir);
    if let Err(e) = state.set_demo(demo) {
        crate::logs::error(format!("cannot open the demo organization: {e}"));
        eprintln!("error: cannot open the demo organization: {e}");
        std::process::exit(1);
    }
    let mut context = tauri::generate_context!();
    // One window per data folder: a second launch on the same folder focuses this window
    // and exits (the single-instance plugin, keyed by the app's identifier, which carries
    // the folder when it is not the default one).
    if let Some(suffix) = folder_key(&state.live_dir()) {
        let base = context.config().identifier.clone();
        context.config_mut().identifier = format!("{base}.f{suffix}");
    }
    let result = tauri::Builder::default()
        .plugin(tauri_plugin_single_instance::init(|app, _argv, _cwd| {
            crate::logs::info("a second launch on this data folder: focusing this window");
            if let Some(w) = tauri::Manager::get_webview_window(app, "main") {
                let _ = w.unminimize();
                let _ = w.show();
                let _ = w.set_focus();
            }
        }))
        .plugin(tauri_plugin_notification::init())
        .plugin(tauri_plugin_opener::init())
        .manage(state)
        .manage(notices::Announced::default())
        .setup(|app| {
            background::start(app.handle().clone());
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app_status,
            commands::organizations,
            commands::switch_organization,
            commands::add_organization,
            commands::list_profiles,
            commands::caller_identity,
            commands::detect_region,
            commands::generate_external_id,
            commands::policy_documents,
            commands::set_access,
            commands::save_connection,
            commands::test_connection,
            commands::forget_connection,
            commands::set_sync_interval,
            commands::start_sync,
            commands::snapshots,
            commands::org_tree,
            commands::account_access,
            commands::account_grants,
            commands::startup_ms,
            commands::people,
            commands::user_detail,
            commands::group_detail,
            commands::permission_sets,
            commands::permission_set_detail,
            commands::permission_set_history,
            commands::search,
            commands::health,
            commands::portal_setting,
            commands::set_portal_url,
            commands::open_console,
            commands::assignment_matrix,
            commands::snapshot_diff,
            commands::access_changes,
            commands::open_demo,
            commands::leave_demo,
            database::database_backups,
            database::restore_backup,
            database::start_empty_database,
            checks::latest_checks,
            checks::run_checks,
            checks::connection_findings,
            checks::lint_policy,
            checks::explain_access,
            checks::plan_reprovision,
            checks::reprovision_permission_set,
            review::reviews,
            review::start_review,
            review::decide_review,
            review::export_review,
            review::review_revocation_plan,
            review::drift_report,
            review::drift_plan,
            review::export_matrix,
            review::export_access_matrix,
            review::export_shared_snapshot,
            review::import_shared_snapshot,
            review::retention_days,
            review::set_retention,
            review::export_list,
            permission_sets::permission_set_templates,
            permission_sets::known_managed_policies,
            permission_sets::lint_definition,
            permission_sets::current_definition,
            permission_sets::plan_permission_set,
            provisioning::plan_change,
            provisioning::apply_change,
            provisioning::discard_plan,
            provisioning::queue_view,
            provisioning::set_max_outstanding,
            provisioning::retry_operations,
            provisioning::cancel_operation,
            provisioning::grant_requests,
            provisioning::end_grant,
            provisioning::session_blocks,
            provisioning::expiry_policies,
            provisioning::set_expiry_by_aws,
            notices::webhook_status,
            notices::set_webhook,
            notices::test_webhook,
            notices::break_glass_status,
            notices::set_break_glass,
            provisioning::audit_entries,
            provisioning::export_audit,
        ])
        .run(context);
    if let Err(e) = result {
        crate::logs::error(format!("cannot start the Hallpass window: {e}"));
        eprintln!("error: cannot start the Hallpass window: {e}");
        std::process::exit(1);
    }
}

/// A short, stable key for a data folder other than the default one (none for the
/// default, so a usual install keeps the plain identifier).
fn folder_key(dir: &std::path::Path) -> Option<String> {
    let default = crate::paths::data_dir(None).ok()?;
    let canonical = |p: &std::path::Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned());
    if canonical(dir) == canonical(&default) {
        return None;
    }
    // FNV-1a over the folder's path: the same folder, the same key, on every launch.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in canonical(dir).to_string_lossy().bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    Some(format!("{h:016x}"))
}
