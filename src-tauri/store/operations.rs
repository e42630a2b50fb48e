//! The operation queue in SQLite: every state change is one small transaction,
//! and every final state is also written to the audit log.

use rusqlite::{Connection, OptionalExtension, TransactionBehavior};

use super::audit;
use super::grants;
use crate::clock::now_rfc3339;
use crate::error::{Error, ErrorCode, Result};
use crate::model::operation::{
    AssignmentSpec, Batch, MembershipSpec, OpChange, OpKind, OpSpec, OpState, Operation,
    PermissionSetSpec, ProvisionSpec, UserSpec,
};
use crate::model::PrincipalType;

const COLS: &str = "id, batch_id, kind, state, instance_arn, identity_store_id, account_id, account_name, \
     permission_set_arn, permission_set_name, principal_type, principal_id, principal_name, group_id, group_name, \
     payload, request_id, attempts, last_error, error_code, result, grant_id, created_at, updated_at, finished_at";

/// The `operations` columns of a spec, the other way from [`row`]: identity store id,
/// account id and name, permission set ARN and name, principal type, id and name, group id
/// and name, and the new user's attributes as JSON. An assignment change needs no identity
/// store; its column (NOT NULL since migration 0002) holds "".
fn spec_columns(s: &OpSpec) -> [Option<String>; 11] {
    let o = |v: &Option<String>| v.clone();
    match &s.change {
        OpChange::CreateUser(u) => [
            Some(u.identity_store_id.clone()),
            None,
            None,
            None,
            None,
            Some(PrincipalType::User.as_str().into()),
            o(&u.principal_id),
            Some(u.new_user.user_name.clone()),
            None,
            None,
            Some(serde_json::to_string(&u.new_user).unwrap_or_default()),
        ],
        OpChange::AddMember(m) | OpChange::RemoveMember(m) => [
            Some(m.identity_store_id.clone()),
            None,
            None,
            None,
            None,
            Some(PrincipalType::User.as_str().into()),
            Some(m.principal_id.clone()),
            o(&m.principal_name),
            Some(m.group_id.clone()),
            o(&m.group_name),
            None,
        ],
        OpChange::Grant(a) | OpChange::Revoke(a) => [
            Some(String::new()),
            Some(a.account_id.clone()),
            o(&a.account_name),
            Some(a.permission_set_arn.clone()),
            o(&a.permission_set_name),
            Some(a.principal_type.as_str().into()),
            Some(a.principal_id.clone()),
            o(&a.principal_name),
            None,
            None,
            None,
        ],
        OpChange::PermissionSet(p) => [
            Some(String::new()),
            None,
            None,
            o(&p.permission_set_arn),
            Some(p.permission_set_name.clone()),
            None,
            None,
            None,
            None,
            None,
            Some(serde_json::to_string(&p.call).unwrap_or_default()),
        ],
        OpChange::Provision(p) => [
            Some(String::new()),
            Some(p.account_id.clone()),
            o(&p.account_name),
            Some(p.permission_set_arn.clone()),
            Some(p.permission_set_name.clone()),
            None,
            None,
            None,
            None,
            None,
            None,
        ],
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Operation> {
    let kind: String = r.get(2)?;
    let state: String = r.get(3)?;
    let bad = |what: &str, v: &str| {
        rusqlite::Error::FromSqlConversionFailure(
            0,
            rusqlite::types::Type::Text,
            format!("unknown operation {what} {v:?}").into(),
        )
    };
    let kind = OpKind::parse(&kind).ok_or_else(|| bad("kind", &kind))?;
    // A column the operation's kind needs but the row lacks: a damaged row, never a default.
    let need = |i: usize, what: &str| -> rusqlite::Result<String> {
        r.get::<_, Option<String>>(i)?
            .ok_or_else(|| bad(what, &format!("missing for {}", kind.as_str())))
    };
    let membership = || -> rusqlite::Result<MembershipSpec> {
        Ok(MembershipSpec {
            identity_store_id: need(5, "identity store id")?,
            principal_id: need(11, "user id")?,
            principal_name: r.get(12)?,
            group_id: need(13, "group id")?,
            group_name: r.get(14)?,
        })
    };
    let assignment = || -> rusqlite::Result<AssignmentSpec> {
        Ok(AssignmentSpec {
            account_id: need(6, "account id")?,
            account_name: r.get(7)?,
            permission_set_arn: need(8, "permission set ARN")?,
            permission_set_name: r.get(9)?,
            principal_type: super::principal_type_at(r, 10)?,
            principal_id: need(11, "principal id")?,
            principal_name: r.get(12)?,
        })
    };
    let change = match kind {
        OpKind::CreateUser => {
            let payload = need(15, "new-user payload")?;
            OpChange::CreateUser(UserSpec {
                identity_store_id: need(5, "identity store id")?,
                new_user: serde_json::from_str(&payload)
                    .map_err(|_| super::unknown_value(15, "new-user payload", &payload))?,
                principal_id: r.get::<_, Option<String>>(11)?.filter(|id| !id.is_empty()),
            })
        }
        OpKind::AddMember => OpChange::AddMember(membership()?),
        OpKind::RemoveMember => OpChange::RemoveMember(membership()?),
        OpKind::Grant => OpChange::Grant(assignment()?),
        OpKind::Revoke => OpChange::Revoke(assignment()?),
        OpKind::PermissionSet => {
            let payload = need(15, "permission-set call")?;
            OpChange::PermissionSet(PermissionSetSpec {
                permission_set_arn: r.get(8)?,
                permission_set_name: need(9, "permission set name")?,
                call: serde_json::from_str(&payload)
                    .map_err(|_| super::unknown_value(15, "permission-set call", &payload))?,
            })
        }
        OpKind::Provision => OpChange::Provision(ProvisionSpec {
            account_id: need(6, "account id")?,
            account_name: r.get(7)?,
            permission_set_arn: need(8, "permission set ARN")?,
            permission_set_name: need(9, "permission set name")?,
        }),
    };
    Ok(Operation {
        id: r.get(0)?,
        batch_id: r.get(1)?,
        spec: OpSpec {
            instance_arn: r.get(4)?,
            change,
        },
        state: OpState::parse(&state).ok_or_else(|| bad("state", &state))?,
        request_id: r.get(16)?,
        attempts: r.get(17)?,
        last_error: r.get(18)?,
        error_code: match r.get::<_, Option<String>>(19)? {
            Some(c) => Some(
                ErrorCode::parse(&c).ok_or_else(|| super::unknown_value(19, "error code", &c))?,
            ),
            None => None,
        },
        result: r.get(20)?,
        grant_id: r.get(21)?,
        created_at: r.get(22)?,
        updated_at: r.get(23)?,
        finished_at: r.get(24)?,
    })
}

pub fn get(conn: &Connection, id: i64) -> Result<Operation> {
    conn.query_row(
        &format!("SELECT {COLS} FROM operations WHERE id = ?1"),
        [id],
        row,
    )
    .optional()?
    .ok_or_else(|| {
        Error::NotFound(format!(
            "there is no operation {id}; `hallpass ops` lists them"
        ))
    })
}

/// Operations the executor still has to work on, oldest first.
pub fn open(conn: &Connection) -> Result<Vec<Operation>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM operations WHERE state IN ('queued', 'submitted', 'in-progress') ORDER BY id"
    ))?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The queue as the admin sees it: every open or blocked operation, then the newest finished ones.
pub fn list(conn: &Connection, batch: Option<i64>, limit: usize) -> Result<Vec<Operation>> {
    let (filter, arg): (&str, i64) = match batch {
        Some(b) => ("batch_id = ?1", b),
        None => ("?1 = ?1", 0),
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLS} FROM operations WHERE {filter}
         ORDER BY CASE WHEN state IN ('queued','submitted','in-progress','blocked') THEN 0 ELSE 1 END, id DESC
         LIMIT ?2"
    ))?;
    let rows = stmt.query_map(rusqlite::params![arg, limit as i64], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many operations are in each state.
pub fn state_counts(conn: &Connection) -> Result<Vec<(OpState, u64)>> {
    let mut stmt = conn.prepare("SELECT state, COUNT(*) FROM operations GROUP BY state")?;
    let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
    let mut out = Vec::new();
    for r in rows {
        let (s, n) = r?;
        let state =
            OpState::parse(&s).ok_or_else(|| super::unknown_value(0, "operation state", &s))?;
        out.push((state, n as u64));
    }
    Ok(out)
}

/// Recorded before the call is made: if the process dies now, the next start checks AWS.
/// Assignments AWS refused to revoke because their principal no longer exists, as
/// (instance, account, permission set, principal id): sending those again is pointless.
pub fn unremovable(
    conn: &Connection,
) -> Result<std::collections::HashSet<(String, String, String, String)>> {
    let mut stmt = conn.prepare(
        "SELECT instance_arn, account_id, permission_set_arn, principal_id FROM operations
         WHERE kind = 'revoke' AND state = 'failed' AND error_code = ?1
           AND account_id IS NOT NULL AND permission_set_arn IS NOT NULL AND principal_id IS NOT NULL",
    )?;
    let rows = stmt.query_map([ErrorCode::AwsPrincipalGone.as_str()], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Forgets the request AWS ended: a retry of the operation sends a new one.
pub fn forget_request(conn: &Connection, id: i64) -> Result<()> {
    conn.execute(
        "UPDATE operations SET request_id = NULL, updated_at = ?2 WHERE id = ?1",
        rusqlite::params![id, now_rfc3339()],
    )?;
    Ok(())
}

pub fn mark_submitted(conn: &Connection, id: i64) -> Result<()> {
    conn.execute(
        "UPDATE operations SET state = 'submitted', attempts = attempts + 1, updated_at = ?2 WHERE id = ?1",
        rusqlite::params![id, now_rfc3339()],
    )?;
    Ok(())
}

pub fn mark_in_progress(conn: &Connection, id: i64, request_id: &str) -> Result<()> {
    conn.execute(
        "UPDATE operations SET state = 'in-progress', request_id = ?2, updated_at = ?3 WHERE id = ?1",
        rusqlite::params![id, request_id, now_rfc3339()],
    )?;
    Ok(())
}

/// Back to the queue: AWS refused this attempt in a way worth retrying (throttled, conflict).
pub fn requeue(conn: &Connection, id: i64, error: &str, code: ErrorCode) -> Result<()> {
    conn.execute(
        "UPDATE operations SET state = 'queued', request_id = NULL, last_error = ?2, error_code = ?3, updated_at = ?4
         WHERE id = ?1",
        rusqlite::params![id, error, code.as_str(), now_rfc3339()],
    )?;
    Ok(())
}

/// A created user's id, recorded as soon as AWS returns it.
pub fn set_principal_id(conn: &Connection, id: i64, principal_id: &str) -> Result<()> {
    conn.execute(
        "UPDATE operations SET principal_id = ?2, updated_at = ?3 WHERE id = ?1",
        rusqlite::params![id, principal_id, now_rfc3339()],
    )?;
    Ok(())
}

/// A created permission set's ARN, recorded as soon as AWS returns it, on every operation
/// of the batch that acts on the set by name and had no ARN yet.
pub fn set_permission_set_arn(conn: &Connection, batch: i64, name: &str, arn: &str) -> Result<()> {
    conn.execute(
        "UPDATE operations SET permission_set_arn = ?3, updated_at = ?4
         WHERE batch_id = ?1 AND kind = 'permission-set' AND permission_set_name = ?2
           AND permission_set_arn IS NULL",
        rusqlite::params![batch, name, arn, now_rfc3339()],
    )?;
    Ok(())
}

/// An end state (succeeded, failed, blocked), with its audit entry, in one transaction.
pub fn finish(
    conn: &mut Connection,
    id: i64,
    state: OpState,
    result: Option<&str>,
    error: Option<(&str, ErrorCode)>,
) -> Result<()> {
    let op = get(conn, id)?;
    let (actor, reason): (String, Option<String>) = conn.query_row(
        "SELECT actor, reason FROM batches WHERE id = ?1",
        [op.batch_id],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let now = now_rfc3339();
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let finished = (state != OpState::Blocked).then(|| now.clone());
    tx.execute(
        "UPDATE operations SET state = ?2, result = COALESCE(?3, result), last_error = ?4, error_code = ?5,
             updated_at = ?6, finished_at = ?7 WHERE id = ?1",
        rusqlite::params![
            id,
            state.as_str(),
            result,
            error.map(|e| e.0),
            error.map(|e| e.1.as_str()),
            now,
            finished
        ],
    )?;
    if state == OpState::Failed {
        if let Some(g) = op.grant_id {
            grants::end_one(&tx, g, "the grant could not be applied")?;
        }
    }
    let detail = error.map(|e| e.0).or(result);
    audit::append(
        &tx,
        &actor,
        Some(op.batch_id),
        Some(id),
        &op.spec,
        reason.as_deref(),
        state.as_str(),
        detail,
    )?;
    tx.commit()?;
    Ok(())
}

/// Puts blocked and failed operations (all, or the ones named) back in the queue.
pub fn retry(conn: &mut Connection, ids: &[i64], actor: &str) -> Result<usize> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let candidates: Vec<Operation> = {
        let mut stmt = tx.prepare(&format!(
            "SELECT {COLS} FROM operations WHERE state IN ('blocked', 'failed') ORDER BY id"
        ))?;
        let rows = stmt.query_map([], row)?;
        rows.collect::<rusqlite::Result<_>>()?
    };
    let chosen: Vec<&Operation> = candidates
        .iter()
        .filter(|o| ids.is_empty() || ids.contains(&o.id))
        .collect();
    for id in ids {
        if !chosen.iter().any(|o| o.id == *id) {
            return Err(Error::InvalidInput(format!(
                "operation {id} is not blocked or failed, so there is nothing to retry (see `hallpass ops`)"
            )));
        }
    }
    for op in &chosen {
        tx.execute(
            "UPDATE operations SET state = CASE WHEN request_id IS NULL THEN 'queued' ELSE 'in-progress' END,
                 finished_at = NULL, updated_at = ?2 WHERE id = ?1",
            rusqlite::params![op.id, now_rfc3339()],
        )?;
        audit::append(
            &tx,
            actor,
            Some(op.batch_id),
            Some(op.id),
            &op.spec,
            None,
            "retry requested",
            op.last_error.as_deref(),
        )?;
    }
    tx.commit()?;
    Ok(chosen.len())
}

/// Cancels an operation that has not been sent (queued or blocked).
pub fn cancel(conn: &mut Connection, id: i64, actor: &str) -> Result<()> {
    let op = get(conn, id)?;
    if !matches!(op.state, OpState::Queued | OpState::Blocked) {
        return Err(Error::InvalidInput(format!(
            "operation {id} is {}; only queued or blocked operations can be cancelled",
            op.state.as_str()
        )));
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    tx.execute(
        "UPDATE operations SET state = 'cancelled', finished_at = ?2, updated_at = ?2 WHERE id = ?1",
        rusqlite::params![id, now_rfc3339()],
    )?;
    if let Some(g) = op.grant_id {
        grants::end_one(&tx, g, "cancelled before it was applied")?;
    }
    audit::append(
        &tx,
        actor,
        Some(op.batch_id),
        Some(id),
        &op.spec,
        None,
        "cancelled",
        None,
    )?;
    tx.commit()?;
    Ok(())
}

/// When the last operation of batch `batch` finished, once every one has (a blocked or
/// open one has not).
pub fn batch_finished_at(conn: &Connection, batch: i64) -> Result<Option<String>> {
    let (unfinished, last): (i64, Option<String>) = conn.query_row(
        "SELECT COUNT(*) - COUNT(finished_at), MAX(finished_at) FROM operations WHERE batch_id = ?1",
        [batch],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    Ok(if unfinished == 0 { last } else { None })
}

/// Writes a batch (inside the caller's transaction) and returns its id.
pub fn insert_batch(
    tx: &Connection,
    actor: &str,
    reason: Option<&str>,
    summary: &str,
) -> Result<i64> {
    tx.execute(
        "INSERT INTO batches(created_at, actor, reason, summary) VALUES (?1, ?2, ?3, ?4)",
        rusqlite::params![now_rfc3339(), actor, reason, summary],
    )?;
    Ok(tx.last_insert_rowid())
}

/// Writes one operation of `batch` (inside the caller's transaction) and returns its id.
/// A no-op (`noop` says why) is written finished, as skipped.
pub fn insert(
    tx: &Connection,
    batch: i64,
    s: &OpSpec,
    state: OpState,
    noop: Option<&str>,
    grant_id: Option<i64>,
) -> Result<i64> {
    let now = now_rfc3339();
    let c = spec_columns(s);
    tx.execute(
        "INSERT INTO operations(batch_id, kind, state, instance_arn, identity_store_id, account_id, account_name,
             permission_set_arn, permission_set_name, principal_type, principal_id, principal_name, group_id,
             group_name, payload, result, grant_id, created_at, updated_at, finished_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?18, ?19)",
        rusqlite::params![
            batch,
            s.kind().as_str(),
            state.as_str(),
            s.instance_arn,
            c[0],
            c[1],
            c[2],
            c[3],
            c[4],
            c[5],
            c[6],
            c[7],
            c[8],
            c[9],
            c[10],
            noop,
            grant_id,
            now,
            noop.map(|_| now.clone()),
        ],
    )?;
    Ok(tx.last_insert_rowid())
}

pub fn batches(conn: &Connection, limit: usize) -> Result<Vec<Batch>> {
    let mut stmt = conn.prepare(
        "SELECT id, created_at, actor, reason, summary FROM batches ORDER BY id DESC LIMIT ?1",
    )?;
    let rows = stmt.query_map([limit as i64], |r| {
        Ok(Batch {
            id: r.get(0)?,
            created_at: r.get(1)?,
            actor: r.get(2)?,
            reason: r.get(3)?,
            summary: r.get(4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Why batch `id` was asked for, if anyone said.
pub fn batch_reason(conn: &Connection, id: i64) -> Result<Option<String>> {
    Ok(conn
        .query_row("SELECT reason FROM batches WHERE id = ?1", [id], |r| {
            r.get(0)
        })
        .optional()?
        .flatten())
}

/// Batches whose operations have all reached an end state but whose snapshot part was not refreshed.
pub fn unrefreshed_batches(conn: &Connection) -> Result<Vec<i64>> {
    let mut stmt = conn.prepare(
        "SELECT b.id FROM batches b WHERE b.refreshed = 0
           AND NOT EXISTS (SELECT 1 FROM operations o WHERE o.batch_id = b.id
                           AND o.state IN ('queued', 'submitted', 'in-progress'))
         ORDER BY b.id",
    )?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn mark_refreshed(conn: &Connection, batches: &[i64]) -> Result<()> {
    for b in batches {
        conn.execute("UPDATE batches SET refreshed = 1 WHERE id = ?1", [b])?;
    }
    Ok(())
}

/// Operations of the given batches that changed something.
pub fn succeeded_in(conn: &Connection, batches: &[i64]) -> Result<Vec<Operation>> {
    let mut out = Vec::new();
    for b in batches {
        out.extend(
            list(conn, Some(*b), usize::MAX >> 1)?
                .into_iter()
                .filter(|o| o.state == OpState::Succeeded),
        );
    }
    Ok(out)
}

/// One executor per data folder at a time, across processes (the app and any CLI run):
/// an OS file lock, which the OS releases if the process dies. A second executor waits
/// for the first and then finds only what is left.
/// The lock file sits beside the database file (`queue.lock` in the data folder).
pub fn lock_queue(conn: &Connection) -> Result<std::fs::File> {
    let db = conn.path().filter(|p| !p.is_empty()).ok_or_else(|| {
        Error::Internal("the queue lock needs a database file, not an in-memory database".into())
    })?;
    let path = std::path::Path::new(db).with_file_name("queue.lock");
    let file = crate::paths::private_options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
    file.lock()
        .map_err(|e| Error::io(format!("cannot lock {}", path.display()), e))?;
    Ok(file)
}
