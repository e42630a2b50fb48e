//! The append-only audit log: who asked for what, when, why, and how it ended.
//! SQLite triggers refuse updates and deletes of its rows.

use rusqlite::{Connection, OptionalExtension};
use serde::Serialize;
use ts_rs::TS;

use crate::clock::now_rfc3339;
use crate::error::Result;
use crate::model::operation::{OpChange, OpSpec};

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AuditEntry {
    #[ts(type = "number")]
    pub id: i64,
    pub at: String,
    /// The OS user and the surface (`alice (cli)`).
    pub actor: String,
    /// Who the AWS credentials were (`GetCallerIdentity`), when Hallpass had connected.
    pub caller_arn: Option<String>,
    #[ts(type = "number | null")]
    pub batch_id: Option<i64>,
    #[ts(type = "number | null")]
    pub operation_id: Option<i64>,
    pub action: String,
    pub target: String,
    pub reason: Option<String>,
    pub result: String,
    pub detail: Option<String>,
    /// What the row is about, by id and by name.
    pub principal_type: Option<String>,
    pub principal_id: Option<String>,
    pub principal_name: Option<String>,
    pub account_id: Option<String>,
    pub account_name: Option<String>,
    pub permission_set_arn: Option<String>,
    pub permission_set_name: Option<String>,
    pub group_id: Option<String>,
    pub group_name: Option<String>,
    /// SHA-256 over the row and the previous row's hash; `None` for rows written before
    /// Hallpass chained its log.
    pub hash: Option<String>,
}

/// What an audit row is about, by id and name.
#[derive(Debug, Default)]
pub(crate) struct Subject<'a> {
    pub principal_type: Option<&'a str>,
    pub principal_id: Option<&'a str>,
    pub principal_name: Option<&'a str>,
    pub account_id: Option<&'a str>,
    pub account_name: Option<&'a str>,
    pub permission_set_arn: Option<&'a str>,
    pub permission_set_name: Option<&'a str>,
    pub group_id: Option<&'a str>,
    pub group_name: Option<&'a str>,
}

impl<'a> Subject<'a> {
    fn of(spec: &'a OpSpec) -> Self {
        let (principal_type, principal_id, principal_name) = match spec.principal() {
            Some((t, id, name)) => (Some(t.as_str()), id, name),
            None => (None, None, None),
        };
        let ps = spec.permission_set();
        let account = spec.account();
        let group = match &spec.change {
            OpChange::AddMember(m) | OpChange::RemoveMember(m) => Some(m),
            _ => None,
        };
        Subject {
            principal_type,
            principal_id: principal_id.filter(|p| !p.is_empty()),
            principal_name,
            account_id: account.map(|a| a.0),
            account_name: account.and_then(|a| a.1),
            permission_set_arn: ps.and_then(|p| p.0),
            permission_set_name: ps.and_then(|p| p.1),
            group_id: group.map(|m| m.group_id.as_str()),
            group_name: group.and_then(|m| m.group_name.as_deref()),
        }
    }
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
    append_about(
        conn,
        actor,
        batch,
        op,
        spec.kind().as_str(),
        &spec.describe(),
        &Subject::of(spec),
        reason,
        result,
        detail,
    )
}

/// Appends one row, chained to the one before it (under the database's write lock, so
/// two processes never chain to the same row).
#[allow(clippy::too_many_arguments)]
pub(crate) fn append_about(
    conn: &Connection,
    actor: &str,
    batch: Option<i64>,
    op: Option<i64>,
    action: &str,
    target: &str,
    subject: &Subject<'_>,
    reason: Option<&str>,
    result: &str,
    detail: Option<&str>,
) -> Result<()> {
    let own_tx = conn.is_autocommit();
    if own_tx {
        conn.execute_batch("BEGIN IMMEDIATE")?;
    }
    let written = (|| -> Result<()> {
        let prev: Option<String> = conn
            .query_row(
                "SELECT hash FROM audit WHERE hash IS NOT NULL ORDER BY id DESC LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        let row = Row {
            at: now_rfc3339(),
            actor: actor.to_owned(),
            caller_arn: crate::caller::last(),
            batch_id: batch,
            operation_id: op,
            action: action.to_owned(),
            target: target.to_owned(),
            reason: reason.map(str::to_owned),
            result: result.to_owned(),
            detail: detail.map(str::to_owned),
            principal_type: subject.principal_type.map(str::to_owned),
            principal_id: subject.principal_id.map(str::to_owned),
            principal_name: subject.principal_name.map(str::to_owned),
            account_id: subject.account_id.map(str::to_owned),
            account_name: subject.account_name.map(str::to_owned),
            permission_set_arn: subject.permission_set_arn.map(str::to_owned),
            permission_set_name: subject.permission_set_name.map(str::to_owned),
            group_id: subject.group_id.map(str::to_owned),
            group_name: subject.group_name.map(str::to_owned),
        };
        let hash = row.hash(prev.as_deref());
        conn.execute(
            &format!(
                "INSERT INTO audit({COLUMNS}, prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, \
                 ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)"
            ),
            rusqlite::params![
                row.at,
                row.actor,
                row.caller_arn,
                row.batch_id,
                row.operation_id,
                row.action,
                row.target,
                row.reason,
                row.result,
                row.detail,
                row.principal_type,
                row.principal_id,
                row.principal_name,
                row.account_id,
                row.account_name,
                row.permission_set_arn,
                row.permission_set_name,
                row.group_id,
                row.group_name,
                prev,
                hash
            ],
        )?;
        Ok(())
    })();
    if own_tx {
        match &written {
            Ok(()) => conn.execute_batch("COMMIT")?,
            Err(_) => {
                let _ = conn.execute_batch("ROLLBACK");
            }
        }
    }
    written?;
    crate::logs::info(format!(
        "audit: {action} {target}: {result}{}",
        detail.map(|d| format!(" ({d})")).unwrap_or_default()
    ));
    Ok(())
}

/// The columns a row's hash covers, in this order.
const COLUMNS: &str =
    "at, actor, caller_arn, batch_id, operation_id, action, target, reason, result, detail, \
     principal_type, principal_id, principal_name, account_id, account_name, permission_set_arn, \
     permission_set_name, group_id, group_name";

/// One row's content, as written and as read back to verify it.
#[derive(Serialize)]
struct Row {
    at: String,
    actor: String,
    caller_arn: Option<String>,
    batch_id: Option<i64>,
    operation_id: Option<i64>,
    action: String,
    target: String,
    reason: Option<String>,
    result: String,
    detail: Option<String>,
    principal_type: Option<String>,
    principal_id: Option<String>,
    principal_name: Option<String>,
    account_id: Option<String>,
    account_name: Option<String>,
    permission_set_arn: Option<String>,
    permission_set_name: Option<String>,
    group_id: Option<String>,
    group_name: Option<String>,
}

impl Row {
    fn read(r: &rusqlite::Row<'_>, from: usize) -> rusqlite::Result<Self> {
        Ok(Row {
            at: r.get(from)?,
            actor: r.get(from + 1)?,
            caller_arn: r.get(from + 2)?,
            batch_id: r.get(from + 3)?,
            operation_id: r.get(from + 4)?,
            action: r.get(from + 5)?,
            target: r.get(from + 6)?,
            reason: r.get(from + 7)?,
            result: r.get(from + 8)?,
            detail: r.get(from + 9)?,
            principal_type: r.get(from + 10)?,
            principal_id: r.get(from + 11)?,
            principal_name: r.get(from + 12)?,
            account_id: r.get(from + 13)?,
            account_name: r.get(from + 14)?,
            permission_set_arn: r.get(from + 15)?,
            permission_set_name: r.get(from + 16)?,
            group_id: r.get(from + 17)?,
            group_name: r.get(from + 18)?,
        })
    }

    /// SHA-256 (hex) of the previous row's hash and this row's content as JSON (fields in
    /// declaration order, so the same row always gives the same text).
    fn hash(&self, prev: Option<&str>) -> String {
        use sha2::{Digest, Sha256};
        let content = serde_json::to_string(&(prev, self)).unwrap_or_default();
        Sha256::digest(content.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }
}

/// The newest `limit` entries, newest first.
pub fn list(conn: &Connection, limit: usize) -> Result<Vec<AuditEntry>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT id, {COLUMNS}, hash FROM audit ORDER BY id DESC LIMIT ?1"
    ))?;
    let rows = stmt.query_map([limit.min(i64::MAX as usize) as i64], |r| {
        let row = Row::read(r, 1)?;
        Ok(AuditEntry {
            id: r.get(0)?,
            hash: r.get(20)?,
            at: row.at,
            actor: row.actor,
            caller_arn: row.caller_arn,
            batch_id: row.batch_id,
            operation_id: row.operation_id,
            action: row.action,
            target: row.target,
            reason: row.reason,
            result: row.result,
            detail: row.detail,
            principal_type: row.principal_type,
            principal_id: row.principal_id,
            principal_name: row.principal_name,
            account_id: row.account_id,
            account_name: row.account_name,
            permission_set_arn: row.permission_set_arn,
            permission_set_name: row.permission_set_name,
            group_id: row.group_id,
            group_name: row.group_name,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// What `hallpass audit verify` found.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Verified {
    /// Rows checked against the chain.
    #[ts(type = "number")]
    pub chained: u64,
    /// Rows written before Hallpass chained its log (not covered).
    #[ts(type = "number")]
    pub unchained: u64,
    /// The newest row's hash: note it to tell later that nothing was cut off the end.
    pub head: Option<String>,
    /// The first row where the chain breaks, and why; `None` when it holds.
    #[ts(type = "number | null")]
    pub broken_at: Option<i64>,
    pub problem: Option<String>,
}

/// Walks the whole log oldest first, recomputing every hash. `expected_head`: a head noted
/// earlier, which must still be in the chain (otherwise rows were cut off or replaced).
pub fn verify(conn: &Connection, expected_head: Option<&str>) -> Result<Verified> {
    let mut stmt = conn.prepare(&format!(
        "SELECT id, {COLUMNS}, prev_hash, hash FROM audit ORDER BY id"
    ))?;
    let mut rows = stmt.query([])?;
    let mut out = Verified {
        chained: 0,
        unchained: 0,
        head: None,
        broken_at: None,
        problem: None,
    };
    let mut head_seen = expected_head.is_none();
    while let Some(r) = rows.next()? {
        let id: i64 = r.get(0)?;
        let prev: Option<String> = r.get(20)?;
        let hash: Option<String> = r.get(21)?;
        let mut broken = |why: String| {
            out.broken_at = Some(id);
            out.problem = Some(why);
        };
        let Some(hash) = hash else {
            if out.chained > 0 {
                broken(format!(
                    "row {id} has no hash although rows before it are chained: it was written outside Hallpass"
                ));
                break;
            }
            out.unchained += 1;
            continue;
        };
        if prev != out.head {
            broken(format!(
                "row {id} does not follow the row before it: a row was removed, inserted or replaced just before \
                 it"
            ));
            break;
        }
        let content = Row::read(r, 1)?;
        if content.hash(prev.as_deref()) != hash {
            broken(format!(
                "row {id} was changed after it was written: its content no longer matches its hash"
            ));
            break;
        }
        if expected_head == Some(hash.as_str()) {
            head_seen = true;
        }
        out.chained += 1;
        out.head = Some(hash);
    }
    if out.problem.is_none() && !head_seen {
        out.problem = Some(format!(
            "the head noted earlier ({}) is no longer in the chain: rows were cut off the end or the log was \
             replaced",
            expected_head.unwrap_or_default()
        ));
    }
    Ok(out)
}

/// The whole log as CSV, oldest first.
pub fn to_csv(entries: &[AuditEntry]) -> String {
    let mut out = String::from(
        "id,at,actor,caller_arn,batch,operation,action,target,reason,result,detail,principal_type,principal_id,\
         principal_name,account_id,account_name,permission_set_arn,permission_set_name,group_id,group_name,hash\n",
    );
    for e in entries.iter().rev() {
        let opt = |v: &Option<String>| v.clone().unwrap_or_default();
        let cells = [
            e.id.to_string(),
            e.at.clone(),
            e.actor.clone(),
            opt(&e.caller_arn),
            e.batch_id.map(|b| b.to_string()).unwrap_or_default(),
            e.operation_id.map(|b| b.to_string()).unwrap_or_default(),
            e.action.clone(),
            e.target.clone(),
            opt(&e.reason),
            e.result.clone(),
            opt(&e.detail),
            opt(&e.principal_type),
            opt(&e.principal_id),
            opt(&e.principal_name),
            opt(&e.account_id),
            opt(&e.account_name),
            opt(&e.permission_set_arn),
            opt(&e.permission_set_name),
            opt(&e.group_id),
            opt(&e.group_name),
            opt(&e.hash),
        ];
        out.push_str(&crate::csv::line(&cells));
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn add(conn: &Connection, target: &str, result: &str) {
        append_about(
            conn,
            "me",
            None,
            None,
            "grant",
            target,
            &Subject {
                principal_type: Some("GROUP"),
                principal_id: Some("g-1"),
                principal_name: Some("platform"),
                ..Default::default()
            },
            Some("why"),
            result,
            None,
        )
        .unwrap();
    }

    #[test]
    fn the_log_cannot_be_changed_or_deleted() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::store::open(dir.path()).unwrap();
        add(&conn, "x", "requested");
        let upd = conn.execute("UPDATE audit SET result = 'succeeded'", []);
        assert!(upd.unwrap_err().to_string().contains("append-only"));
        let del = conn.execute("DELETE FROM audit", []);
        assert!(del.unwrap_err().to_string().contains("append-only"));
        let all = list(&conn, 10).unwrap();
        assert_eq!(all.len(), 1);
        assert_eq!(all[0].result, "requested");
        assert_eq!(all[0].principal_id.as_deref(), Some("g-1"));
        let csv = to_csv(&all);
        let line = csv.lines().nth(1).unwrap();
        assert!(
            line.contains(",grant,x,why,requested,,GROUP,g-1,platform,"),
            "{csv}"
        );
    }

    #[test]
    fn the_chain_finds_a_changed_a_removed_and_a_cut_off_row() {
        let dir = tempfile::tempdir().unwrap();
        let conn = crate::store::open(dir.path()).unwrap();
        for i in 0..5 {
            add(&conn, &format!("t{i}"), "succeeded");
        }
        let ok = verify(&conn, None).unwrap();
        assert_eq!((ok.chained, ok.unchained, ok.broken_at), (5, 0, None));
        let head = ok.head.clone().unwrap();
        assert!(verify(&conn, Some(&head)).unwrap().problem.is_none());

        // Someone with the file drops the guard and edits or deletes a row.
        let tamper = |sql: &str| {
            let dir2 = tempfile::tempdir().unwrap();
            let path = dir2.path().join("copy.db");
            conn.execute("VACUUM INTO ?1", [path.to_str().unwrap()])
                .unwrap();
            let c = Connection::open(&path).unwrap();
            c.execute_batch(
                "DROP TRIGGER audit_append_only_update; DROP TRIGGER audit_append_only_delete;",
            )
            .unwrap();
            c.execute_batch(sql).unwrap();
            verify(&c, Some(&head)).unwrap()
        };
        let changed = tamper("UPDATE audit SET result = 'failed' WHERE id = 3");
        assert_eq!(changed.broken_at, Some(3));
        assert!(changed
            .problem
            .unwrap()
            .contains("changed after it was written"));
        let removed = tamper("DELETE FROM audit WHERE id = 2");
        assert_eq!(removed.broken_at, Some(3));
        assert!(removed.problem.unwrap().contains("does not follow"));
        let cut = tamper("DELETE FROM audit WHERE id = 5");
        assert_eq!(cut.broken_at, None);
        assert!(cut.problem.unwrap().contains("no longer in the chain"));
    }
}
