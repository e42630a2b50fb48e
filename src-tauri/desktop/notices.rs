//! Desktop notifications (Tauri's notification plugin: the platform's own notification
//! center): grants about to expire (15 minutes before) and expired, changes that failed
//! or wait for a fix, background syncs that failed, and break-glass use.

use std::collections::HashSet;
use std::sync::Mutex;

use tauri::{AppHandle, Emitter, Manager};
use tauri_plugin_notification::NotificationExt;

use super::state::AppState;
use crate::notify::{self, Notice};
use crate::store;

/// How long before its expiry a grant is announced.
const AHEAD: time::Duration = time::Duration::minutes(15);

/// The grant requests already announced as expiring soon, and the break-glass grants
/// already announced (once each per app run).
#[derive(Default)]
pub struct Announced {
    expiring: Mutex<HashSet<i64>>,
    break_glass: Mutex<HashSet<i64>>,
}

/// Shows the notices meant for this machine after a run.
pub fn show(app: &AppHandle, notices: &[Notice]) {
    let mine: Vec<Notice> = notices
        .iter()
        .filter(|n| n.for_desktop())
        .cloned()
        .collect();
    present(app, &mine);
}

/// Shows `notices` as notifications. One that cannot be shown (no notification service)
/// is logged; nothing else depends on it.
fn present(app: &AppHandle, notices: &[Notice]) {
    for n in notices {
        let shown = app
            .notification()
            .builder()
            .title(format!("Hallpass: {}", n.title))
            .body(&n.body)
            .show();
        if let Err(e) = shown {
            crate::logs::warn(format!("notification not shown ({}): {e}", n.title));
        }
    }
}

/// Announces grants whose expiry is within 15 minutes, and break-glass grants in force
/// (made here or by any other Hallpass on this folder), each once.
pub fn announce(app: &AppHandle) {
    let state = app.state::<AppState>();
    if state.is_demo() {
        return;
    }
    let Ok(conn) = store::open(&state.live_dir()) else {
        return;
    };
    let Ok(active) = store::grants::list(&conn, true) else {
        return;
    };
    let now = time::OffsetDateTime::now_utc();
    let announced = app.state::<Announced>();
    let mut due = Vec::new();
    {
        let mut seen = announced
            .break_glass
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        for g in active.iter().filter(|g| g.break_glass) {
            if seen.insert(g.id) {
                due.push(notify::break_glass(
                    &g.granted.describe(),
                    g.reason.as_deref().unwrap_or("?"),
                    g.expires_at.as_deref(),
                ));
            }
        }
    }
    if !due.is_empty() {
        // The window shows break-glass access in red: have it read the status again.
        let _ = app.emit("status-changed", ());
    }
    {
        let mut seen = announced.expiring.lock().unwrap_or_else(|p| p.into_inner());
        for g in active.iter().filter(|g| !g.standing) {
            let Some(at) = g
                .expires_at
                .as_deref()
                .and_then(crate::clock::parse_rfc3339)
            else {
                continue;
            };
            if at > now && at - now <= AHEAD && seen.insert(g.id) {
                due.push(notify::expiring_soon(g));
            }
        }
    }
    present(app, &due);
}

/// The break-glass set-up and the break-glass access in force.
#[tauri::command]
pub fn break_glass_status(
    state: tauri::State<'_, AppState>,
) -> crate::Result<crate::provision::break_glass::BreakGlassStatus> {
    crate::provision::break_glass::status(&store::open(&state.live_dir())?)
}

/// Chooses the organization's break-glass permission set.
#[tauri::command]
pub fn set_break_glass(
    state: tauri::State<'_, AppState>,
    permission_set: String,
) -> crate::Result<crate::provision::break_glass::BreakGlassStatus> {
    let conn = store::open(&state.live_dir())?;
    crate::provision::break_glass::set(&conn, &permission_set)?;
    crate::provision::break_glass::status(&conn)
}

/// Whether a webhook is set (its host only: the address is a credential).
#[tauri::command]
pub fn webhook_status(state: tauri::State<'_, AppState>) -> crate::Result<notify::WebhookStatus> {
    notify::webhook_status(&store::open(&state.live_dir())?)
}

/// Sets the webhook (checked, kept in the keychain) or clears it (`None`).
#[tauri::command]
pub fn set_webhook(
    state: tauri::State<'_, AppState>,
    url: Option<String>,
) -> crate::Result<notify::WebhookStatus> {
    notify::set_webhook(&store::open(&state.live_dir())?, url.as_deref())
}

/// Posts a test message to the webhook.
#[tauri::command]
pub async fn test_webhook(state: tauri::State<'_, AppState>) -> crate::Result<()> {
    let dir = state.live_dir();
    tauri::async_runtime::spawn_blocking(move || notify::test_webhook(&store::open(&dir)?))
        .await
        .map_err(|e| crate::Error::Internal(e.to_string()))?
}
