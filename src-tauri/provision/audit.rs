//! The append-only audit log: who asked for what, when, why, and how it ended.
//! SQLite triggers refuse updates and deletes of its rows.

use rusqlite::Connection;
use serde::Serialize;
use ts_rs::TS;

use super::OpSpec;
use crate::clock::now_rfc3339;
use crate::error::Result;

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AuditEntry {
    #[ts(type = "number")]
    pub id: i64,
    pub at: String,
    pub actor: String,
    #[ts(type = "number | null")]
    pub batch_id: Option<i64>,
    #[ts(type = "number | null")]
    pub operation_id: Option<i64>,
    pub action: String,
    pub target: String,
    pub reason: Option<String>,
    pub result: String,
    pub detail: Option<String>,
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn append(
    conn: &Connection,
    actor: &str,
    batch: Option<i64>,
    op: Option<i64>,
    spec: &OpSpec,
    reason: Option<&str>,
    result: &str,
    detail: Option<&str>,
) -> Result<()> {
    append_raw(
        conn,
        actor,
        batch,
        op,
        spec.kind.as_str(),
        &spec.describe(),
        reason,
        result,
        detail,
    )
}

#[allow(clippy::too_many_arguments)]
pub(crate) fn append_raw(
    conn: &Connection,
    actor: &str,
    batch: Option<i64>,
    op: Option<i64>,
    action: &str,
    target: &str,
    reason: Option<&str>,
    result: &str,
    detail: Option<&str>,
) -> Result<()> {
    conn.execute(
        "INSERT INTO audit(at, actor, batch_id, operation_id, action, target, reason, result, detail)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        rusqlite::params![now_rfc3339(), actor, batch, op, action, target, reason, result, detail],
    )?;
    crate::logs::info(format!(
        "audit: {action} {target}: {result}{}",
        detail.map(|d| format!(" ({d})")).unwrap_or_default()
    ));
    Ok(())
}

/// The newest `limit` entries, newest first.
pub fn list(conn: &Connection, limit: usize) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(
        "SELECT id, at, actor, batch_id, operation_id, action, target, reason, result, detail
         FROM audit ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit.min(i64::MAX as usize) as i64], |r| {
        Ok(AuditEntry {
            id: r.get(0)?,
            at: r.get(1)?,
            actor: r.get(2)?,
            batch_id: r.get(3)?,
            operation_id: r.get(4)?,
            action: r.get(5)?,
            target: r.get(6)?,
            reason: r.get(7)?,
            result: r.get(8)?,
            detail: r.get(9)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The whole log as CSV, oldest first.
pub fn to_csv(entries: &[AuditEntry]) -> String {
    let mut out = String::from("id,at,actor,batch,operation,action,target,reason,result,detail\n");
    for e in entries.iter().rev() {
        let cells = [
            e.id.to_string(),
            e.at.clone(),
            e.actor.clone(),
            e.batch_id.map(|b| b.to_string()).unwrap_or_default(),
            e.operation_id.map(|b| b.to_string()).unwrap_or_default(),
            e.action.clone(),
            e.target.clone(),
            e.reason.clone().unwrap_or_default(),
            e.result.clone(),
            e.detail.clone().unwrap_or_default(),
        ];
        out.push_str(&crate::csv::line(&cells));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_cannot_be_changed_or_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::store::open(dir.path()).unwrap();
        append_raw(
            &conn,
            "me",
            None,
            None,
            "grant",
            "x",
            Some("why"),
            "requested",
            None,
        )
        .unwrap();
        let upd = conn.execute("UPDATE audit SET result = 'succeeded'", []);
        assert!(upd.unwrap_err().to_string().contains("append-only"));
        let del = conn.execute("DELETE FROM audit", []);
        assert!(del.unwrap_err().to_string().contains("append-only"));
        let all = list(&conn, 10).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].result, "requested");
        let csv = to_csv(&all);
        assert!(
            csv.lines()
                .nth(1)
                .unwrap()
                .ends_with(",grant,x,why,requested,"),
            "{csv}"
        );
    }
}
