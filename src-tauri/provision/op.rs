//! What one change is: its kind, what it acts on (by id and by name), the states it
//! passes through in the queue, and who may run it.

pub use crate::model::operation::*;
pub use crate::model::NewUser;

/// At most this many assignment changes are outstanding per instance (AWS's own limit).
pub const MAX_OUTSTANDING: usize = 15;

const MAX_OUTSTANDING_SETTING: &str = "max_outstanding";

/// The configured limit of outstanding assignment changes per instance (default 15).
pub fn max_outstanding(conn: &rusqlite::Connection) -> crate::Result<usize> {
    Ok(crate::store::get_setting(conn, MAX_OUTSTANDING_SETTING)?
        .and_then(|v| v.parse().ok())
        .unwrap_or(MAX_OUTSTANDING)
        .clamp(1, MAX_OUTSTANDING))
}

/// Lowers (or restores) the limit; AWS allows at most 15.
pub fn set_max_outstanding(conn: &rusqlite::Connection, n: usize) -> crate::Result<()> {
    if !(1..=MAX_OUTSTANDING).contains(&n) {
        return Err(crate::Error::InvalidInput(format!(
            "{n} is not a valid limit: choose 1 to {MAX_OUTSTANDING} outstanding assignment changes per instance"
        )));
    }
    crate::store::set_setting(conn, MAX_OUTSTANDING_SETTING, &n.to_string())
}

/// Who did it: the OS account running Hallpass, and which surface.
pub fn actor(surface: &str) -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("{user} ({surface})")
}

/// Refuses a change when the connection is read-only: called by every change entry point
/// (command line, window, background expiry, retries) before anything is sent to AWS, and
/// again by the executor.
pub fn require_full(access: crate::model::AccessLevel) -> crate::error::Result<()> {
    if access == crate::model::AccessLevel::Full {
        return Ok(());
    }
    Err(crate::error::Error::ReadOnly(
        "this connection is read-only: Hallpass syncs, checks and reviews, and refuses every change before \
         anything is sent to AWS. To change access, give the role the full permissions policy \
         (`hallpass policies --access full`) and switch with `hallpass set-access full` (in the app: Settings → \
         Connection), or set HALLPASS_ACCESS=full for one headless run."
            .into(),
    ))
}
