//! Troubleshooting checks: every known failure mode becomes a finding with a stable id,
//! a severity, the evidence and the fix. Snapshot checks work offline; live checks ask
//! AWS; policy lints work on pasted text.

pub mod explain;
mod finding;
pub mod lint;
pub mod live;
mod org;
pub(crate) mod policy_doc;
mod posture;
pub mod reprovision;

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use ts_rs::TS;

use crate::clock::now_rfc3339;
use crate::error::Result;
use crate::store::snapshots;

pub use finding::{Evidence, Finding, Severity};

/// One run of the checks and what it found.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CheckRun {
    #[ts(type = "number")]
    pub id: i64,
    pub ran_at: String,
    #[ts(type = "number | null")]
    pub snapshot_id: Option<i64>,
    pub live: bool,
    pub live_error: Option<String>,
    pub findings: Vec<Finding>,
}

impl CheckRun {
    pub fn has_errors(&self) -> bool {
        self.findings.iter().any(|f| f.severity == Severity::Error)
    }
}

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
    Ok(all)
}

/// Stores a run; returns it with its id.
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
    let ran_at = now_rfc3339();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "INSERT INTO check_runs(ran_at, snapshot_id, live, live_error) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![ran_at, snapshot, live, live_error],
    )?;
    let id = tx.last_insert_rowid();
    for f in &findings {
        tx.execute(
            "INSERT INTO findings(run_id, check_id, severity, title, subject, evidence, fix)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            rusqlite::params![
                id,
                f.check,
                f.severity.as_str(),
                f.title,
                f.subject,
                serde_json::to_string(&f.evidence).unwrap_or_else(|_| "[]".into()),
                f.fix
            ],
        )?;
    }
    tx.commit()?;
    Ok(CheckRun {
        id,
        ran_at,
        snapshot_id: snapshot,
        live,
        live_error,
        findings,
    })
}

/// The newest stored run.
pub fn latest(conn: &Connection) -> Result<Option<CheckRun>> {
    let run = conn
        .query_row(
            "SELECT id, ran_at, snapshot_id, live, live_error FROM check_runs ORDER BY id DESC LIMIT 1",
            [],
            |r| {
                Ok(CheckRun {
                    id: r.get(0)?,
                    ran_at: r.get(1)?,
                    snapshot_id: r.get(2)?,
                    live: r.get(3)?,
                    live_error: r.get(4)?,
                    findings: vec![],
                })
            },
        )
        .optional()?;
    let Some(mut run) = run else { return Ok(None) };
    let mut stmt = conn.prepare(
        "SELECT check_id, severity, title, subject, evidence, fix FROM findings WHERE run_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([run.id], |r| {
        let severity: String = r.get(1)?;
        let evidence: String = r.get(4)?;
        Ok(Finding {
            check: r.get(0)?,
            severity: Severity::parse(&severity)
                .ok_or_else(|| crate::store::unknown_value(1, "severity", &severity))?,
            title: r.get(2)?,
            subject: r.get(3)?,
            evidence: serde_json::from_str(&evidence)
                .map_err(|_| crate::store::unknown_value(4, "finding evidence", &evidence))?,
            fix: r.get(5)?,
        })
    })?;
    run.findings = rows.collect::<rusqlite::Result<_>>()?;
    Ok(Some(run))
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
