//! A snapshot as one file a teammate can import and review offline in their own
//! Hallpass. It holds the organization's data only: no role ARN, External ID or
//! credentials ever reach it.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::{OrgData, SnapshotInfo};
use crate::store::{self, queries, snapshots};

/// What the first field of every shared file says.
const FORMAT: &str = "hallpass-snapshot";
/// The newest file version this build reads and the one it writes.
pub const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct SharedFile {
    format: String,
    version: u32,
    exported_at: String,
    hallpass: String,
    snapshot: SnapshotInfo,
    data: OrgData,
}

/// Writes snapshot `snap` (default: the newest) to `out`; returns the snapshot exported.
pub fn export(data_dir: &Path, snap: Option<i64>, out: &Path) -> Result<SnapshotInfo> {
    let conn = store::open(data_dir)?;
    let id = snapshots::resolve(&conn, snap)?;
    let info = snapshots::snapshot(&conn, id)?
        .ok_or_else(|| Error::NotFound(format!("no snapshot {id}")))?;
    let mut data = queries::org_data(&conn, id)?;
    data.member_scan = Some(queries::member_access(&conn, id)?);
    let file = SharedFile {
        format: FORMAT.into(),
        version: VERSION,
        exported_at: crate::clock::now_rfc3339(),
        hallpass: env!("CARGO_PKG_VERSION").into(),
        snapshot: info.clone(),
        data,
    };
    let text = serde_json::to_vec(&file).map_err(|e| Error::InvalidInput(e.to_string()))?;
    // Written next to the target and renamed: a crash never leaves half a file behind.
    let tmp = out.with_extension("partial");
    crate::paths::write_private(&tmp, &text)?;
    std::fs::rename(&tmp, out)
        .map_err(|e| Error::io(format!("cannot write {}", out.display()), e))?;
    Ok(info)
}

/// Reads a shared file's content, refusing anything that is not one (or is from a newer
/// Hallpass). `label` names it in messages.
fn parse(bytes: &[u8], label: &str) -> Result<SharedFile> {
    let not_ours = || {
        Error::InvalidInput(format!(
            "{label} is not a Hallpass snapshot file (export one with `hallpass export-snapshot --out FILE`)"
        ))
    };
    let head: serde_json::Value = serde_json::from_slice(bytes).map_err(|e| {
        if e.is_eof() {
            Error::InvalidInput(format!(
                "{label} is cut short (the file is incomplete): copy it again"
            ))
        } else {
            not_ours()
        }
    })?;
    if head.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
        return Err(not_ours());
    }
    let version = head.get("version").and_then(|v| v.as_u64()).unwrap_or(0);
    if version > VERSION as u64 {
        return Err(Error::InvalidInput(format!(
            "{label} was written by a newer Hallpass (file version {version}; this one reads up to {VERSION}): update Hallpass to import it"
        )));
    }
    serde_json::from_value(head)
        .map_err(|e| Error::InvalidInput(format!("{label} is damaged: {e}; export it again")))
}

/// Imports a shared file as a new snapshot (kind `imported`). A data folder holds one
/// organization: a file from another one is refused.
pub fn import(data_dir: &Path, path: &Path) -> Result<SnapshotInfo> {
    let bytes =
        std::fs::read(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    import_bytes(data_dir, &bytes, &path.display().to_string())
}

/// `import` of a file's content (the desktop app reads the file the user picked).
pub fn import_bytes(data_dir: &Path, bytes: &[u8], label: &str) -> Result<SnapshotInfo> {
    let file = parse(bytes, label)?;
    let mut conn = store::open(data_dir)?;
    if let Some(latest) = snapshots::latest_complete(&conn)? {
        let mine = queries::organization(&conn, latest)?.map(|o| o.id);
        let theirs = file.data.organization.as_ref().map(|o| o.id.clone());
        if mine.is_some() && mine != theirs {
            return Err(Error::InvalidInput(format!(
                "this data folder holds organization {}, the file is of {}: import it into an empty folder (--data-dir DIR)",
                mine.unwrap_or_default(),
                theirs.unwrap_or_else(|| "another organization".into())
            )));
        }
    }
    let meta = snapshots::SyncMeta {
        started_at: file.snapshot.started_at.clone(),
        finished_at: file.snapshot.finished_at.clone(),
        strategy: None,
        full_scan: file.snapshot.full_scan,
        calls: Default::default(),
        duration_ms: 0,
        kind: "imported",
        base: None,
    };
    snapshots::write_snapshot(&mut conn, &file.data, &meta)
}
