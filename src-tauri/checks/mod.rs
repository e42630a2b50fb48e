//! Troubleshooting checks: every known failure mode becomes a finding with a stable id,
//! a severity, the evidence and the fix. Snapshot checks work offline; live checks ask
//! AWS; policy lints work on pasted text.

pub mod explain;
pub mod lint;
pub mod live;
mod org;
pub(crate) mod policy_doc;
mod posture;
pub mod reprovision;

use rusqlite::Connection;

use crate::error::Result;
use crate::store::snapshots;

pub use crate::model::finding::{Evidence, Finding, Severity};
pub use crate::store::check_runs::CheckRun;

/// Every check's id and title, in the order they are listed (`hallpass check --id ID`
/// takes these ids; `title_of` looks titles up here).
pub const CATALOG: &[(&str, &str)] = &[
    (
        "base-credentials",
        "Base credentials are missing or expired",
    ),
    (
        "external-id-mismatch",
        "AssumeRole denied: External ID or trust policy mismatch",
    ),
    (
        "role-not-in-management-account",
        "The role is not in the organization's management account",
    ),
    (
        "region-mismatch",
        "No Identity Center instance in the configured region",
    ),
    (
        "missing-permission",
        "The management role lacks a permission Hallpass needs",
    ),
    (
        "trusted-access-not-enabled",
        "Trusted access for IAM Identity Center is not enabled",
    ),
    (
        "policy-in-wrong-editor",
        "A policy pasted into the wrong IAM editor",
    ),
    ("trust-policy", "Trust policy problems"),
    (
        "source-identity-not-allowed",
        "CloudTrail cannot show who acted (no sts:SetSourceIdentity)",
    ),
    ("permissions-policy", "Permissions policy problems"),
    (
        "delegated-instance-unreachable",
        "Member accounts Hallpass cannot enter",
    ),
    (
        "account-instance",
        "Account instances, whose users get no AWS account access",
    ),
    (
        "permission-set-out-of-sync",
        "Permission sets not provisioned with their latest version",
    ),
    (
        "expiry-needs-hallpass-running",
        "Time-bound access ends only while Hallpass runs",
    ),
    (
        "unknown-expiry-schedule",
        "Schedules in Hallpass's expiry group that this data folder did not write",
    ),
    (
        "revoke-permissions-missing",
        "Revocations pending because AWS denied them",
    ),
    (
        "direct-user-assignment",
        "Assignments made to users directly",
    ),
    (
        "orphaned-assignment",
        "Assignments whose principal no longer exists",
    ),
    (
        "empty-group-assignment",
        "Assignments to groups with no members",
    ),
    ("user-without-access", "Users who see no accounts"),
    (
        "disabled-user-with-access",
        "Disabled users who still hold access",
    ),
    (
        "inline-policy-size",
        "Inline policy over or near the 32,768-character quota",
    ),
    (
        "too-many-managed-policies",
        "More than 10 managed policies on a permission set",
    ),
    ("session-duration", "Session duration above 12 hours"),
    (
        "broad-administrator-access",
        "AdministratorAccess assigned broadly",
    ),
    (
        "no-break-glass",
        "No break-glass permission set assigned to a small group",
    ),
    (
        "delegated-admin-not-registered",
        "No delegated administrator for Identity Center",
    ),
];

pub fn title_of(check: &str) -> &'static str {
    CATALOG
        .iter()
        .find(|(id, _)| *id == check)
        .map(|(_, t)| *t)
        .unwrap_or("")
}

/// The checks that need only the snapshot (and the local queue).
pub fn offline(conn: &Connection, snap: i64) -> Result<Vec<Finding>> {
    // One read of the snapshot serves every check.
    let d = crate::store::queries::org_data(conn, snap)?;
    let mut all = org::findings(conn, snap, &d)?;
    all.extend(posture::findings(&d)?);
    all.extend(live::pending_revocations(conn)?);
    all.extend(expiry_needs_hallpass(conn)?);
    Ok(all)
}

/// Stores a run, its findings most severe first; returns it with its id.
pub fn save(
    conn: &mut Connection,
    snapshot: Option<i64>,
    live: bool,
    live_error: Option<String>,
    mut findings: Vec<Finding>,
) -> Result<CheckRun> {
    findings.sort_by(|a, b| {
        (a.severity, &a.check, &a.subject).cmp(&(b.severity, &b.check, &b.subject))
    });
    crate::store::check_runs::insert(conn, snapshot, live, live_error, findings)
}

/// Time-bound grants are active but AWS does not enforce their expiry: they end only when
/// Hallpass runs after it.
fn expiry_needs_hallpass(conn: &Connection) -> Result<Vec<Finding>> {
    let mut out = Vec::new();
    let unknown = crate::provision::expiry_schedules::unknown(conn)?;
    if !unknown.is_empty() {
        let mut f = Finding::new(
            "unknown-expiry-schedule",
            Severity::Warning,
            format!(
                "{} schedule(s) in the expiry group `{}` were not written by this data folder",
                unknown.len(),
                crate::aws::schedules::GROUP
            ),
            "If another Hallpass (another admin's machine, or another data folder) manages this organization, \
             they are its own and end its time-bound grants. Otherwise they revoke access Hallpass does not know \
             of: look at them in the EventBridge Scheduler console (group hallpass) and delete those nobody owns.",
        );
        for name in unknown.iter().take(20) {
            f = f.evidence("schedule", name.clone());
        }
        out.push(f);
    }
    let st = crate::provision::expiry_schedules::status(conn)?;
    let (false, Some(next)) = (st.enabled, st.next) else {
        return Ok(out);
    };
    out.push(
        Finding::new(
            "expiry-needs-hallpass-running",
            Severity::Warning,
            format!(
                "{} time-bound grant(s) or membership(s) end only when Hallpass runs after their expiry",
                st.time_bound
            ),
            "Let AWS end them on time: create the expiry role from `hallpass policies --expiry` (in the app: \
             Settings → Expiry) in the management account and turn expiry by AWS on (`hallpass expiry enable`). \
             Until then keep Hallpass running around each expiry.",
        )
        .evidence("next expiry", next),
    );
    Ok(out)
}

/// Runs the snapshot checks on the newest snapshot and stores the run (after every sync).
pub fn run_offline(conn: &mut Connection) -> Result<CheckRun> {
    let snap = snapshots::latest_complete(conn)?;
    let findings = match snap {
        Some(s) => offline(conn, s)?,
        None => vec![],
    };
    save(
        conn,
        snap,
        false,
        Some("not checked against AWS in this run".into()),
        findings,
    )
}
