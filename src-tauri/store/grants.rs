//! Grant requests (table `grants`): every grant Hallpass applies, optionally time-bound,
//! with who asked, why, and how it ended. The rules of ending them are in
//! `provision::grants`.

use rusqlite::{Connection, OptionalExtension, Transaction};
use serde::Serialize;
use ts_rs::TS;

use crate::clock::now_rfc3339;
use crate::error::{Error, Result};
use crate::model::operation::AssignmentSpec;

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct GrantRequest {
    #[ts(type = "number")]
    pub id: i64,
    pub instance_arn: String,
    #[serde(flatten)]
    pub assignment: AssignmentSpec,
    pub actor: String,
    pub reason: Option<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
    /// The assignment was there before this request and is kept when it ends.
    pub standing: bool,
    pub state: GrantState,
    pub ended_at: Option<String>,
    /// The expiry passed while Hallpass was not running; it was revoked late.
    pub overdue: bool,
    pub end_note: Option<String>,
}

/// Where a grant request is: in force, or ended by its expiry or by hand (or a revoke).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
#[serde(rename_all = "kebab-case")]
pub enum GrantState {
    Active,
    Expired,
    Ended,
}

impl GrantState {
    pub fn as_str(self) -> &'static str {
        match self {
            GrantState::Active => "active",
            GrantState::Expired => "expired",
            GrantState::Ended => "ended",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [GrantState::Active, GrantState::Expired, GrantState::Ended]
            .into_iter()
            .find(|g| g.as_str() == s)
    }
}

const COLS: &str = "id, instance_arn, account_id, account_name, permission_set_arn, permission_set_name, \
     principal_type, principal_id, principal_name, actor, reason, created_at, expires_at, standing, state, \
     ended_at, overdue, end_note";

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<GrantRequest> {
    Ok(GrantRequest {
        id: r.get(0)?,
        instance_arn: r.get(1)?,
        assignment: AssignmentSpec {
            account_id: r.get(2)?,
            account_name: r.get(3)?,
            permission_set_arn: r.get(4)?,
            permission_set_name: r.get(5)?,
            principal_type: crate::store::principal_type_at(r, 6)?,
            principal_id: r.get(7)?,
            principal_name: r.get(8)?,
        },
        actor: r.get(9)?,
        reason: r.get(10)?,
        created_at: r.get(11)?,
        expires_at: r.get(12)?,
        standing: r.get(13)?,
        state: {
            let v: String = r.get(14)?;
            GrantState::parse(&v)
                .ok_or_else(|| crate::store::unknown_value(14, "grant state", &v))?
        },
        ended_at: r.get(15)?,
        overdue: r.get(16)?,
        end_note: r.get(17)?,
    })
}

const KEY: &str =
    "instance_arn = ?1 AND account_id = ?2 AND permission_set_arn = ?3 AND principal_id = ?4";

fn key(instance_arn: &str, a: &AssignmentSpec) -> [String; 4] {
    [
        instance_arn.to_owned(),
        a.account_id.clone(),
        a.permission_set_arn.clone(),
        a.principal_id.clone(),
    ]
}

fn active_for(conn: &Connection, k: &[String; 4], except: i64) -> Result<Vec<GrantRequest>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLS} FROM grants WHERE {KEY} AND state = 'active' AND id != ?5"
    ))?;
    let rows = stmt.query_map(rusqlite::params![k[0], k[1], k[2], k[3], except], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records a grant request. `exists_now`: the assignment is already there.
pub fn record(
    conn: &Connection,
    instance_arn: &str,
    s: &AssignmentSpec,
    actor: &str,
    reason: Option<&str>,
    expires_at: Option<&str>,
    exists_now: bool,
) -> Result<i64> {
    let k = key(instance_arn, s);
    let others = active_for(conn, &k, -1)?;
    // Already there and not because of an active request: someone granted it outside
    // Hallpass (or permanently), so no request's end may take it away.
    let standing = exists_now && (others.is_empty() || others.iter().any(|g| g.standing));
    conn.execute(
        "INSERT INTO grants(instance_arn, account_id, permission_set_arn, principal_type, principal_id, account_name,
             permission_set_name, principal_name, actor, reason, created_at, expires_at, standing, state)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, 'active')",
        rusqlite::params![
            k[0],
            k[1],
            k[2],
            s.principal_type.as_str(),
            k[3],
            s.account_name,
            s.permission_set_name,
            s.principal_name,
            actor,
            reason,
            now_rfc3339(),
            expires_at,
            standing
        ],
    )?;
    Ok(conn.last_insert_rowid())
}

/// A manual revoke of the assignment ends every request for it.
pub fn end_all(
    conn: &Connection,
    instance_arn: &str,
    a: &AssignmentSpec,
    note: &str,
) -> Result<()> {
    let k = key(instance_arn, a);
    conn.execute(
        &format!(
            "UPDATE grants SET state = 'ended', ended_at = ?5, end_note = ?6 WHERE {KEY} AND state = 'active'"
        ),
        rusqlite::params![k[0], k[1], k[2], k[3], now_rfc3339(), note],
    )?;
    Ok(())
}

pub fn end_one(conn: &Connection, id: i64, note: &str) -> Result<()> {
    conn.execute(
        "UPDATE grants SET state = 'ended', ended_at = ?2, end_note = ?3 WHERE id = ?1 AND state = 'active'",
        rusqlite::params![id, now_rfc3339(), note],
    )?;
    Ok(())
}

/// Active requests with an expiry, soonest first.
pub fn with_expiry(tx: &Transaction<'_>) -> Result<Vec<GrantRequest>> {
    let mut stmt = tx.prepare(&format!(
        "SELECT {COLS} FROM grants WHERE state = 'active' AND expires_at IS NOT NULL ORDER BY expires_at"
    ))?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Request `id`, or a message that says how to list them.
pub fn get(tx: &Transaction<'_>, id: i64) -> Result<GrantRequest> {
    tx.query_row(
        &format!("SELECT {COLS} FROM grants WHERE id = ?1"),
        [id],
        row,
    )
    .optional()?
    .ok_or_else(|| {
        Error::NotFound(format!(
            "there is no grant request {id}; `hallpass grants` lists them"
        ))
    })
}

/// The soonest expiry among active requests, to schedule the next check.
pub fn next_expiry(conn: &Connection) -> Result<Option<time::OffsetDateTime>> {
    let t: Option<String> = conn.query_row(
        "SELECT MIN(expires_at) FROM grants WHERE state = 'active' AND expires_at IS NOT NULL",
        [],
        |r| r.get(0),
    )?;
    Ok(t.as_deref().and_then(crate::clock::parse_rfc3339))
}

pub fn list(conn: &Connection, active_only: bool) -> Result<Vec<GrantRequest>> {
    let filter = if active_only {
        "WHERE state = 'active'"
    } else {
        ""
    };
    let mut stmt = conn.prepare(&format!(
        "SELECT {COLS} FROM grants {filter} ORDER BY id DESC"
    ))?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Ends request `id` (inside the caller's transaction) in `state`, noting whether it was
/// overdue and why.
pub fn set_ended(
    tx: &Transaction<'_>,
    id: i64,
    state: GrantState,
    overdue: bool,
    note: &str,
) -> Result<()> {
    tx.execute(
        "UPDATE grants SET state = ?2, ended_at = ?3, overdue = ?4, end_note = ?5 WHERE id = ?1",
        rusqlite::params![id, state.as_str(), now_rfc3339(), overdue, note],
    )?;
    Ok(())
}

/// The active requests for the same assignment as `g`, other than `g`.
pub fn others_for(tx: &Transaction<'_>, g: &GrantRequest) -> Result<Vec<GrantRequest>> {
    active_for(tx, &key(&g.instance_arn, &g.assignment), g.id)
}
