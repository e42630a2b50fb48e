//! The Checks view, the policy paste box, the explainer and the one-click fixes.

use tauri::State;

use super::state::{AppState, Confirmable};
use crate::checks::{self, explain, lint, CheckRun, Finding};
use crate::error::{Error, Result};
use crate::provision;
use crate::secrets::SecretStore;
use crate::store::{self, snapshots};

/// The newest stored run (the snapshot checks run after every sync).
#[tauri::command]
pub fn latest_checks(state: State<'_, AppState>) -> Result<Option<CheckRun>> {
    crate::store::check_runs::latest(&state.db()?)
}

/// Runs every check: the snapshot's, and the live ones when connected.
#[tauri::command]
pub async fn run_checks(state: State<'_, AppState>) -> Result<CheckRun> {
    let dir = state.dir();
    let mut conn = store::open(&dir)?;
    let snap = snapshots::latest_complete(&conn)?;
    let mut findings = match snap {
        Some(s) => checks::offline(&conn, s)?,
        None => vec![],
    };
    let (live, live_error) = match (state.is_demo(), state.connect_params()) {
        (true, _) => (
            false,
            Some("the demo organization is not checked against AWS".to_owned()),
        ),
        (false, Err(e)) => (false, Some(e.to_string())),
        (false, Ok(p)) => {
            let (found, stopped) =
                super::worker::off_thread(
                    move || async move { Ok(checks::live::connection(&p).await) },
                )
                .await?;
            findings.extend(found);
            (true, stopped)
        }
    };
    checks::save(&mut conn, snap, live, live_error, findings)
}

/// The connection, step by step, as findings (the wizard's and Settings' view of a failure).
#[tauri::command]
pub async fn connection_findings(state: State<'_, AppState>) -> Result<Vec<Finding>> {
    let p = state.connect_params()?;
    let (mut found, stopped) =
        super::worker::off_thread(move || async move { Ok(checks::live::connection(&p).await) })
            .await?;
    if let Some(why) = stopped {
        found.push(
            Finding::new(
                "base-credentials",
                checks::Severity::Error,
                "AWS could not be reached",
                "Check the network connection, proxy or VPN, then test again.",
            )
            .evidence("detail", why),
        );
    }
    Ok(found)
}

/// Lints pasted policy text; a trust policy is compared with the stored External ID.
#[tauri::command]
pub async fn lint_policy(
    state: State<'_, AppState>,
    kind: lint::PolicyKind,
    text: String,
) -> Result<Vec<Finding>> {
    if text.len() > 100_000 {
        return Err(Error::InvalidInput(
            "that is far longer than any IAM policy (over 100,000 characters)".into(),
        ));
    }
    let stored = match kind {
        lint::PolicyKind::Trust => state
            .keychain()?
            .load()
            .ok()
            .flatten()
            .map(|c| c.external_id.expose().clone()),
        lint::PolicyKind::Permissions => None,
    };
    Ok(lint::lint(kind, &text, stored.as_deref(), state.access()?))
}

#[tauri::command]
pub fn explain_access(
    state: State<'_, AppState>,
    snapshot: Option<i64>,
    user: String,
    account: String,
) -> Result<explain::Explanation> {
    explain::explain(&state.db()?, snapshot, &user, &account)
}

/// What reprovisioning a permission set touches, kept for confirmation.
#[derive(Debug, Clone, serde::Serialize, ts_rs::TS)]
#[ts(export)]
pub struct PlannedReprovision {
    pub id: String,
    pub preview: checks::reprovision::ReprovisionPreview,
}

/// The fix for `permission-set-out-of-sync`, first shown: which accounts it touches.
#[tauri::command]
pub fn plan_reprovision(state: State<'_, AppState>, name: String) -> Result<PlannedReprovision> {
    super::provisioning::refuse_change(&state)?;
    let preview = checks::reprovision::preview(&store::open(&state.live_dir())?, &name)?;
    let id = state.pending.keep(Confirmable::Reprovision {
        permission_set_arn: preview.permission_set_arn.clone(),
    })?;
    Ok(PlannedReprovision { id, preview })
}

/// The confirmed reprovisioning (by the id `plan_reprovision` gave), waited for.
#[tauri::command]
pub async fn reprovision_permission_set(
    state: State<'_, AppState>,
    plan_id: String,
) -> Result<checks::reprovision::Reprovisioned> {
    super::provisioning::refuse_change(&state)?;
    let Confirmable::Reprovision { permission_set_arn } = state.pending.take(&plan_id)? else {
        return Err(Error::InvalidInput(
            "this id is not a planned reprovisioning".into(),
        ));
    };
    let p = state.connect_params()?;
    let dir = state.live_dir();
    let done = super::worker::off_thread(move || async move {
        let session = crate::aws::connect(&p).await?;
        checks::reprovision::reprovision(
            &mut store::open(&dir)?,
            &session,
            &permission_set_arn,
            &provision::actor("desktop"),
        )
        .await
    })
    .await?;
    checks::run_offline(&mut store::open(&state.live_dir())?)?;
    Ok(done)
}
