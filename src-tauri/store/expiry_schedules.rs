//! The expiry schedules Hallpass wrote to EventBridge Scheduler (table `expiry_schedules`):
//! by name, what each ends (an assignment or a group membership) and when it fires.

use rusqlite::types::Value;
use rusqlite::Connection;

use crate::clock::now_rfc3339;
use crate::error::Result;
use crate::model::operation::Granted;

/// One schedule as Hallpass wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub name: String,
    pub instance_arn: String,
    /// What it ends.
    pub granted: Granted,
    /// The membership it deletes (DeleteGroupMembership takes the membership's id); none
    /// for an assignment.
    pub membership_id: Option<String>,
    /// When it fires (RFC 3339).
    pub fire_at: String,
}

pub fn list(conn: &Connection) -> Result<Vec<Written>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT name, instance_arn, membership_id, fire_at, {} FROM expiry_schedules ORDER BY name",
        super::GRANTED_COLS
    ))?;
    let rows = stmt.query_map([], |r| {
        Ok(Written {
            name: r.get(0)?,
            instance_arn: r.get(1)?,
            membership_id: r.get(2)?,
            fire_at: r.get(3)?,
            granted: super::granted_at(r, 4)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records a schedule written (or rewritten) to AWS.
pub fn record(conn: &Connection, w: &Written) -> Result<()> {
    let head = [
        Value::from(w.name.clone()),
        Value::from(w.instance_arn.clone()),
        Value::from(w.membership_id.clone()),
        Value::from(w.fire_at.clone()),
        Value::from(now_rfc3339()),
    ];
    conn.execute(
        &format!(
            "INSERT INTO expiry_schedules(name, instance_arn, membership_id, fire_at, written_at, {})
             VALUES ({})
             ON CONFLICT(name) DO UPDATE SET fire_at = excluded.fire_at, membership_id = excluded.membership_id,
                 written_at = excluded.written_at",
            super::GRANTED_COLS,
            super::placeholders(head.len() + super::GRANTED_LEN)
        ),
        rusqlite::params_from_iter(super::with_granted(head, &w.granted, [])),
    )?;
    Ok(())
}

/// Forgets a schedule deleted from AWS (or gone from it).
pub fn forget(conn: &Connection, name: &str) -> Result<()> {
    conn.execute("DELETE FROM expiry_schedules WHERE name = ?1", [name])?;
    Ok(())
}
