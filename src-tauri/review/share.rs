//! A snapshot as one file a teammate can import and review offline in their own
//! Hallpass. It holds the organization's data only: no role ARN, External ID or
//! credentials ever reach it.

use std::path::Path;

use rusqlite::Connection;
use serde::{Deserialize, Serialize};

use super::shared_check;
use crate::error::{Error, Result};
use crate::model::{ImportedFrom, OrgData, SnapshotInfo};
use crate::store::{queries, snapshots};

/// What the first field of every shared file says.
const FORMAT: &str = "hallpass-snapshot";
/// The newest file version this build reads and the one it writes.
pub const VERSION: u32 = 1;

#[derive(Debug, Serialize, Deserialize)]
struct SharedFile {
    format: String,
    version: u32,
    exported_at: String,
    /// Who exported it (OS user); files from before Hallpass wrote it have none.
    #[serde(default)]
    exported_by: Option<String>,
    hallpass: String,
    snapshot: SnapshotInfo,
    data: OrgData,
}

/// Just the head of a file that did not parse as a whole: to say why.
#[derive(Deserialize)]
struct Head {
    format: Option<String>,
    version: Option<u64>,
}

/// Writes snapshot `snap` (default: the newest) to `out`; returns the snapshot exported.
pub fn export(conn: &Connection, snap: Option<i64>, out: &Path) -> Result<SnapshotInfo> {
    let id = snapshots::resolve(conn, snap)?;
    let info = snapshots::snapshot(conn, id)?
        .ok_or_else(|| Error::NotFound(format!("no snapshot {id}")))?;
    let mut data = queries::org_data(conn, id)?;
    data.member_scan = Some(queries::member_access(conn, id)?);
    let file = SharedFile {
        format: FORMAT.into(),
        version: VERSION,
        exported_at: crate::clock::now_rfc3339(),
        exported_by: Some(crate::provision::actor("shared file")),
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

/// Reads a shared file's content in one parse, refusing anything that is not one (or is
/// from a newer Hallpass, too large, or holds values AWS never gives). `label` names it
/// in messages.
fn parse(bytes: &[u8], label: &str) -> Result<SharedFile> {
    if bytes.len() > shared_check::MAX_BYTES {
        return Err(Error::InvalidInput(format!(
            "{label} is {} MB; Hallpass reads shared snapshot files up to {} MB",
            bytes.len() / (1024 * 1024),
            shared_check::MAX_BYTES / (1024 * 1024)
        )));
    }
    let not_ours = || {
        Error::InvalidInput(format!(
            "{label} is not a Hallpass snapshot file (export one with `hallpass export-snapshot --out FILE`)"
        ))
    };
    let file: SharedFile = match serde_json::from_slice(bytes) {
        Ok(f) => f,
        // Only a file that did not parse is read again, for its head, to say why.
        Err(e) if e.is_eof() => {
            return Err(Error::InvalidInput(format!(
                "{label} is cut short (the file is incomplete): copy it again"
            )))
        }
        Err(e) => {
            let head: Head = serde_json::from_slice(bytes).map_err(|_| not_ours())?;
            if head.format.as_deref() != Some(FORMAT) {
                return Err(not_ours());
            }
            let version = head.version.unwrap_or(0);
            if version > VERSION as u64 {
                return Err(newer(label, version));
            }
            return Err(Error::InvalidInput(format!(
                "{label} is damaged: {e}; export it again"
            )));
        }
    };
    if file.format != FORMAT {
        return Err(not_ours());
    }
    if file.version > VERSION {
        return Err(newer(label, file.version as u64));
    }
    let bad =
        |e: Error| Error::InvalidInput(format!("{label} was refused, nothing was imported: {e}"));
    let now = time::OffsetDateTime::now_utc();
    for (what, t) in [
        ("its export time", &file.exported_at),
        ("the snapshot's start", &file.snapshot.started_at),
        ("the snapshot's end", &file.snapshot.finished_at),
    ] {
        shared_check::past_time(what, t, now).map_err(bad)?;
    }
    shared_check::org_data(&file.data).map_err(bad)?;
    Ok(file)
}

fn newer(label: &str, version: u64) -> Error {
    Error::InvalidInput(format!(
        "{label} was written by a newer Hallpass (file version {version}; this one reads up to {VERSION}): update Hallpass to import it"
    ))
}

/// Imports a shared file as a new snapshot (kind `imported`): for reading only, never the
/// base of a plan, a check or a sync. A data folder holds one organization: a file from
/// another one is refused.
pub fn import(conn: &mut Connection, path: &Path) -> Result<SnapshotInfo> {
    let size = std::fs::metadata(path)
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?
        .len();
    if size > shared_check::MAX_BYTES as u64 {
        return Err(Error::InvalidInput(format!(
            "{} is {} MB; Hallpass reads shared snapshot files up to {} MB",
            path.display(),
            size / (1024 * 1024),
            shared_check::MAX_BYTES / (1024 * 1024)
        )));
    }
    let bytes =
        std::fs::read(path).map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    import_bytes(conn, &bytes, &path.display().to_string())
}

/// `import` of a file's content (the desktop app reads the file the user picked).
pub fn import_bytes(conn: &mut Connection, bytes: &[u8], label: &str) -> Result<SnapshotInfo> {
    let file = parse(bytes, label)?;
    if let Some(latest) = snapshots::latest_complete(conn)? {
        let mine = queries::organization(conn, latest)?.map(|o| o.id);
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
        kind: crate::model::SnapshotKind::Imported,
        base: None,
    };
    let from = ImportedFrom {
        file: std::path::Path::new(label)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| label.to_owned()),
        exported_by: file.exported_by.clone(),
        exported_at: file.exported_at.clone(),
        source_snapshot: file.snapshot.id,
        imported_at: crate::clock::now_rfc3339(),
    };
    snapshots::write_imported(conn, &file.data, &meta, &from)
}
