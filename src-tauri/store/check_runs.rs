//! Check runs and their findings (tables `check_runs`, `findings`).

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use ts_rs::TS;

use crate::clock::now_rfc3339;
use crate::error::Result;
use crate::model::finding::{Finding, Severity};

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

/// Stores a run with its findings in the order given; returns it with its id.
pub fn insert(
    conn: &mut Connection,
    snapshot: Option<i64>,
    live: bool,
    live_error: Option<String>,
    findings: Vec<Finding>,
) -> Result<CheckRun> {
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
                .ok_or_else(|| super::unknown_value(1, "severity", &severity))?,
            title: r.get(2)?,
            subject: r.get(3)?,
            evidence: serde_json::from_str(&evidence)
                .map_err(|_| super::unknown_value(4, "finding evidence", &evidence))?,
            fix: r.get(5)?,
        })
    })?;
    run.findings = rows.collect::<rusqlite::Result<_>>()?;
    Ok(Some(run))
}
