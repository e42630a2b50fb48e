//! Authoring permission sets from the window: templates and the well-known AWS managed
//! policies to start from, the lint as the admin types, the definition AWS holds now, and
//! a plan (diff, accounts, users reached, operations) kept for `apply_change`.

use serde::{Deserialize, Serialize};
use tauri::State;
use ts_rs::TS;

use super::provisioning::refuse_change;
use super::state::{AppState, Confirmable};
use crate::authoring::catalog::{self, KnownPolicy};
use crate::authoring::plan::{self as ps_plan, PermissionSetPlan};
use crate::authoring::templates::{self, Template};
use crate::authoring::{history, lint, Definition};
use crate::error::Result;
use crate::model::finding::Finding;

/// What the admin asked for a permission set.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum PsRequest {
    Create {
        definition: Definition,
    },
    /// `definition` is the whole form (it started from `current_definition`).
    Edit {
        arn: String,
        definition: Definition,
    },
    Delete {
        arn: String,
        remove_assignments: bool,
    },
    /// Back to the version snapshot `snapshot` held; the tags stay.
    Restore {
        arn: String,
        #[ts(type = "number")]
        snapshot: i64,
    },
}

/// A permission-set plan to show, and the id that confirms it (`apply_change`).
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct PlannedPermissionSet {
    pub id: String,
    pub plan: PermissionSetPlan,
}

#[tauri::command]
pub fn permission_set_templates() -> Vec<Template> {
    templates::all()
}

#[tauri::command]
pub fn known_managed_policies(query: String) -> Vec<KnownPolicy> {
    catalog::search(&query)
}

/// The lint on a definition as typed (offline; nothing is sent).
#[tauri::command]
pub fn lint_definition(definition: Definition) -> Vec<Finding> {
    lint::lint(&definition)
}

/// The definition AWS holds now (tags included): what the edit form starts from.
#[tauri::command]
pub async fn current_definition(state: State<'_, AppState>, arn: String) -> Result<Definition> {
    refuse_change(&state)?;
    let live = state.live_dir();
    let params = state.connect_params()?;
    super::worker::off_thread(move || async move {
        let session = crate::aws::connect(&params).await?;
        ps_plan::current(&crate::store::open(&live)?, &session, &arn).await
    })
    .await
}

/// Plans the request against AWS (linted first) and keeps it for confirmation.
#[tauri::command]
pub async fn plan_permission_set(
    state: State<'_, AppState>,
    request: PsRequest,
) -> Result<PlannedPermissionSet> {
    refuse_change(&state)?;
    let live = state.live_dir();
    if let PsRequest::Create { definition } | PsRequest::Edit { definition, .. } = &request {
        // Refused before anything is read or sent.
        ps_plan::refuse_errors(definition)?;
    }
    let params = state.connect_params()?;
    let plan = super::worker::off_thread(move || async move {
        let session = crate::aws::connect(&params).await?;
        let conn = crate::store::open(&live)?;
        match request {
            PsRequest::Create { definition } => {
                ps_plan::plan_definition(&conn, &session, None, |_| Ok(definition)).await
            }
            PsRequest::Edit { arn, definition } => {
                ps_plan::plan_definition(&conn, &session, Some(&arn), |_| Ok(definition)).await
            }
            PsRequest::Delete {
                arn,
                remove_assignments,
            } => ps_plan::plan_delete(&conn, &session, &arn, remove_assignments).await,
            PsRequest::Restore { arn, snapshot } => {
                let old = history::version(&conn, &arn, snapshot)?;
                ps_plan::plan_definition(&conn, &session, Some(&arn), |now| {
                    Ok(Definition {
                        tags: now.map(|d| d.tags.clone()).unwrap_or_default(),
                        ..old
                    })
                })
                .await
            }
        }
    })
    .await?;
    let id = state.pending.keep(Confirmable::Change {
        plan: plan.plan.clone(),
    })?;
    Ok(PlannedPermissionSet { id, plan })
}
