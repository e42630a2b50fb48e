//! The expiry schedules Hallpass wrote to EventBridge Scheduler (table `expiry_schedules`):
//! by name, what each revokes and when it fires.

use rusqlite::Connection;

use crate::clock::now_rfc3339;
use crate::error::Result;
use crate::model::PrincipalType;

/// One schedule as Hallpass wrote it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub name: String,
    pub instance_arn: String,
    pub account_id: String,
    pub permission_set_arn: String,
    pub principal_type: PrincipalType,
    pub principal_id: String,
    /// When it fires (RFC 3339).
    pub fire_at: String,
}

pub fn list(conn: &Connection) -> Result<Vec<Written>> {
    let mut stmt = conn.prepare(
        "SELECT name, instance_arn, account_id, permission_set_arn, principal_type, principal_id, fire_at
           FROM expiry_schedules ORDER BY name",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Written {
            name: r.get(0)?,
            instance_arn: r.get(1)?,
            account_id: r.get(2)?,
            permission_set_arn: r.get(3)?,
            principal_type: super::principal_type_at(r, 4)?,
            principal_id: r.get(5)?,
            fire_at: r.get(6)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records a schedule written (or rewritten) to AWS.
pub fn record(conn: &Connection, w: &Written) -> Result<()> {
    conn.execute(
        "INSERT INTO expiry_schedules(name, instance_arn, account_id, permission_set_arn, principal_type,
             principal_id, fire_at, written_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(name) DO UPDATE SET fire_at = excluded.fire_at, written_at = excluded.written_at",
        rusqlite::params![
            w.name,
            w.instance_arn,
            w.account_id,
            w.permission_set_arn,
            w.principal_type.as_str(),
            w.principal_id,
            w.fire_at,
            now_rfc3339()
        ],
    )?;
    Ok(())
}

/// Forgets a schedule deleted from AWS (or gone from it).
pub fn forget(conn: &Connection, name: &str) -> Result<()> {
    conn.execute("DELETE FROM expiry_schedules WHERE name = ?1", [name])?;
    Ok(())
}
