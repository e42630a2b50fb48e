//! Grant requests (table `grants`): every grant and every group membership Hallpass
//! applies, optionally time-bound, with who asked, why, and how it ended. The rules of ending them are in
//! `provision::grants`.

use rusqlite::types::Value;
use rusqlite::{Connection, OptionalExtension, Transaction};
use serde::Serialize;
use ts_rs::TS;

use crate::clock::now_rfc3339;
use crate::error::{Error, Result};
use crate::model::operation::Granted;

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct GrantRequest {
    #[ts(type = "number")]
    pub id: i64,
    pub instance_arn: String,
    /// The assignment or group membership it holds.
    #[serde(flatten)]
    pub granted: Granted,
    pub actor: String,
    pub reason: Option<String>,
    pub created_at: String,
    pub expires_at: Option<String>,
    /// What it holds was there before this request and is kept when it ends.
    pub standing: bool,
    pub state: GrantState,
    pub ended_at: Option<String>,
    /// The expiry passed while Hallpass was not running; it was revoked late.
    pub overdue: bool,
    pub end_note: Option<String>,
    /// Break-glass access: always notified, shown in red until it ends.
    pub break_glass: bool,
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

fn cols() -> String {
    format!(
        "id, instance_arn, {}, actor, reason, created_at, expires_at, standing, state, ended_at, overdue, end_note, \
         break_glass",
        crate::store::GRANTED_COLS
    )
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<GrantRequest> {
    Ok(GrantRequest {
        id: r.get(0)?,
        instance_arn: r.get(1)?,
        granted: crate::store::granted_at(r, 2)?,
        actor: r.get(13)?,
        reason: r.get(14)?,
        created_at: r.get(15)?,
        expires_at: r.get(16)?,
        standing: r.get(17)?,
        state: {
            let v: String = r.get(18)?;
            GrantState::parse(&v)
                .ok_or_else(|| crate::store::unknown_value(18, "grant state", &v))?
        },
        ended_at: r.get(19)?,
        overdue: r.get(20)?,
        end_note: r.get(21)?,
        break_glass: r.get(22)?,
    })
}

/// The WHERE clause that picks the requests for the same thing as `g` (parameters ?1-?4).
fn key(instance_arn: &str, g: &Granted) -> (&'static str, [String; 4]) {
    match g {
        Granted::Assignment(a) => (
            "target = 'assignment' AND instance_arn = ?1 AND account_id = ?2 AND permission_set_arn = ?3 \
             AND principal_id = ?4",
            [
                instance_arn.to_owned(),
                a.account_id.clone(),
                a.permission_set_arn.clone(),
                a.principal_id.clone(),
            ],
        ),
        Granted::Membership(m) => (
            "target = 'membership' AND instance_arn = ?1 AND identity_store_id = ?2 AND group_id = ?3 AND principal_id = ?4",
            [
                instance_arn.to_owned(),
                m.identity_store_id.clone(),
                m.group_id.clone(),
                m.principal_id.clone(),
            ],
        ),
    }
}

fn active_for(
    conn: &Connection,
    instance_arn: &str,
    g: &Granted,
    except: i64,
) -> Result<Vec<GrantRequest>> {
    let (clause, k) = key(instance_arn, g);
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM grants WHERE {clause} AND state = 'active' AND id != ?5",
        cols()
    ))?;
    let rows = stmt.query_map(rusqlite::params![k[0], k[1], k[2], k[3], except], row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How a grant request was asked for.
pub struct Asked<'a> {
    pub actor: &'a str,
    pub reason: Option<&'a str>,
    pub expires_at: Option<&'a str>,
    pub break_glass: bool,
}

/// Records a grant request. `exists_now`: what it asks for is already there.
pub fn record(
    conn: &Connection,
    instance_arn: &str,
    granted: &Granted,
    asked: &Asked<'_>,
    exists_now: bool,
) -> Result<i64> {
    let others = active_for(conn, instance_arn, granted, -1)?;
    // Already there and not because of an active request: someone granted it outside
    // Hallpass (or permanently), so no request's end may take it away.
    let standing = exists_now && (others.is_empty() || others.iter().any(|g| g.standing));
    let head = [Value::from(instance_arn.to_owned())];
    let tail = [
        Value::from(asked.actor.to_owned()),
        Value::from(asked.reason.map(str::to_owned)),
        Value::from(now_rfc3339()),
        Value::from(asked.expires_at.map(str::to_owned)),
        Value::from(standing),
        Value::from(asked.break_glass),
    ];
    conn.execute(
        &format!(
            "INSERT INTO grants(instance_arn, {}, actor, reason, created_at, expires_at, standing, break_glass, state)
             VALUES ({}, 'active')",
            crate::store::GRANTED_COLS,
            crate::store::placeholders(head.len() + crate::store::GRANTED_LEN + tail.len())
        ),
        rusqlite::params_from_iter(crate::store::with_granted(head, granted, tail)),
    )?;
    Ok(conn.last_insert_rowid())
}

/// A manual revoke (or removal from the group) ends every request for what it takes away.
pub fn end_all(conn: &Connection, instance_arn: &str, g: &Granted, note: &str) -> Result<()> {
    let (clause, k) = key(instance_arn, g);
    conn.execute(
        &format!(
            "UPDATE grants SET state = 'ended', ended_at = ?5, end_note = ?6 WHERE {clause} AND state = 'active'"
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
        "SELECT {} FROM grants WHERE state = 'active' AND expires_at IS NOT NULL ORDER BY expires_at",
        cols()
    ))?;
    let rows = stmt.query_map([], row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// Request `id`, or a message that says how to list them.
pub fn get(tx: &Transaction<'_>, id: i64) -> Result<GrantRequest> {
    tx.query_row(
        &format!("SELECT {} FROM grants WHERE id = ?1", cols()),
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

/// Request `id`, outside a transaction.
pub fn by_id(conn: &Connection, id: i64) -> Result<GrantRequest> {
    conn.query_row(
        &format!("SELECT {} FROM grants WHERE id = ?1", cols()),
        [id],
        row,
    )
    .optional()?
    .ok_or_else(|| Error::NotFound(format!("there is no grant request {id}")))
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
        "SELECT {} FROM grants {filter} ORDER BY id DESC",
        cols()
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

/// The active requests for the same assignment or membership as `g`, other than `g`.
pub fn others_for(tx: &Transaction<'_>, g: &GrantRequest) -> Result<Vec<GrantRequest>> {
    active_for(tx, &g.instance_arn, &g.granted, g.id)
}
