//! Break-glass access: the organization's break-glass permission set to one named user on
//! the named accounts, for a short time. Always with a reason, always notified (the desktop
//! and the team's webhook), always in the audit log, and shown in red until it ends.

use rusqlite::Connection;
use serde::Serialize;
use ts_rs::TS;

use super::resolve::Snapshot;
use crate::error::{Error, Result};
use crate::store::{self, grants, snapshots};

const SETTING: &str = "break_glass_permission_set";

/// How long break-glass access lasts unless said otherwise.
pub const DEFAULT_LENGTH: &str = "1h";

/// The longest break-glass access Hallpass gives: the longest session a permission set
/// allows (IAM Identity Center: 12 hours). Anything longer is standing access, not an
/// emergency.
const MAX_LENGTH: time::Duration = time::Duration::hours(12);

/// How long break-glass access asked for `text` (default: an hour) lasts.
pub fn length(text: Option<&str>) -> Result<time::Duration> {
    let text = text
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(DEFAULT_LENGTH);
    let d = super::duration::parse(text)?;
    if d > MAX_LENGTH {
        return Err(Error::InvalidInput(format!(
            "break-glass access lasts at most 12 hours ({text} asked): it is for emergencies; grant longer access \
             the usual way, through a group"
        )));
    }
    Ok(d)
}

/// The break-glass permission set's name in the snapshot: the one set for this folder,
/// else the only permission set named like one ("BreakGlassAdmin", "emergency-access").
pub fn permission_set(conn: &Connection, snap: &Snapshot) -> Result<String> {
    if let Some(arn) = store::get_setting(conn, SETTING)? {
        return snap
            .permission_sets
            .iter()
            .find(|p| p.arn == arn)
            .map(|p| p.name.clone())
            .ok_or_else(|| {
                Error::NotFound(
                    "the break-glass permission set chosen for this organization is no longer in the newest \
                     snapshot: choose it again (`hallpass break-glass set --permission-set NAME`, or Settings)"
                        .into(),
                )
            });
    }
    let named: Vec<&str> = snap
        .permission_sets
        .iter()
        .filter(|p| p.looks_like_break_glass())
        .map(|p| p.name.as_str())
        .collect();
    match named.as_slice() {
        [one] => Ok((*one).to_owned()),
        [] => Err(Error::InvalidInput(
            "this organization has no break-glass permission set: create one (e.g. BreakGlassAdmin) in IAM Identity \
             Center, sync, and choose it with `hallpass break-glass set --permission-set NAME` (or in Settings)"
                .into(),
        )),
        many => Err(Error::InvalidInput(format!(
            "several permission sets look like break-glass ones ({}): choose one with `hallpass break-glass set \
             --permission-set NAME` (or in Settings)",
            many.join(", ")
        ))),
    }
}

/// Chooses the break-glass permission set by name or ARN (from the newest snapshot).
pub fn set(conn: &Connection, name: &str) -> Result<String> {
    let snap_id = snapshots::latest_complete(conn)?.ok_or_else(|| {
        Error::NotFound("there is no snapshot yet: run `hallpass sync` first".into())
    })?;
    let snap = Snapshot::load(conn, snap_id)?;
    let matching: Vec<&crate::model::PermissionSet> = snap
        .permission_sets
        .iter()
        .filter(|p| p.name == name.trim() || p.arn == name.trim())
        .collect();
    match matching.as_slice() {
        [one] => {
            store::set_setting(conn, SETTING, &one.arn)?;
            Ok(one.name.clone())
        }
        [] => Err(Error::InvalidInput(format!(
            "unknown permission set {name:?} in snapshot {snap_id}; `hallpass show permission-sets` lists them"
        ))),
        _ => Err(Error::InvalidInput(format!(
            "{name:?} names permission sets in several instances; give its ARN instead"
        ))),
    }
}

/// The break-glass set-up and what is in force, for `hallpass break-glass status`, the
/// banner and Settings.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct BreakGlassStatus {
    /// The permission set break-glass access gives, or why there is none.
    pub permission_set: Option<String>,
    pub problem: Option<String>,
    /// Break-glass grants in force now.
    pub active: Vec<grants::GrantRequest>,
}

pub fn status(conn: &Connection) -> Result<BreakGlassStatus> {
    let active: Vec<grants::GrantRequest> = grants::list(conn, true)?
        .into_iter()
        .filter(|g| g.break_glass)
        .collect();
    let chosen = match snapshots::latest_complete(conn)? {
        Some(id) => permission_set(conn, &Snapshot::load(conn, id)?),
        None => Err(Error::NotFound("no snapshot yet".into())),
    };
    Ok(match chosen {
        Ok(ps) => BreakGlassStatus {
            permission_set: Some(ps),
            problem: None,
            active,
        },
        Err(e) => BreakGlassStatus {
            permission_set: None,
            problem: Some(e.to_string()),
            active,
        },
    })
}
