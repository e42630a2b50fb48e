//! Desktop notifications (Tauri's notification plugin: the platform's own notification
//! center): grants about to expire (15 minutes before) and expired, changes that failed
//! or wait for a fix, background syncs that failed, and break-glass use.

use std::collections::HashSet;
use std::sync::Mutex;

use tauri::{AppHandle, Manager};
use tauri_plugin_notification::NotificationExt;

use super::state::AppState;
use crate::notify::{self, Notice};
use crate::store;

/// How long before its expiry a grant is announced.
const AHEAD: time::Duration = time::Duration::minutes(15);

/// The grant requests already announced as expiring soon (once each per app run).
#[derive(Default)]
pub struct Announced(Mutex<HashSet<i64>>);

/// Shows the notices meant for this machine. A notification that cannot be shown (no
/// notification service) is logged; nothing else depends on it.
pub fn show(app: &AppHandle, notices: &[Notice]) {
    for n in notices.iter().filter(|n| n.for_desktop()) {
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

/// Announces grants whose expiry is within 15 minutes (each once).
pub fn expiring(app: &AppHandle) {
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
        let mut seen = announced.0.lock().unwrap_or_else(|p| p.into_inner());
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
    show(app, &due);
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
