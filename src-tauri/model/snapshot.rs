//! A snapshot's own record: when and how it was taken, whether it is whole, and where an
//! imported one came from.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SnapshotInfo {
    #[ts(type = "number")]
    pub id: i64,
    pub started_at: String,
    pub finished_at: String,
    pub status: SnapshotStatus,
    pub strategy: Option<String>,
    pub full_scan: bool,
    #[ts(type = "number")]
    pub api_calls: u64,
    #[ts(type = "number")]
    pub duration_ms: u64,
    pub error: Option<String>,
    #[ts(type = "number")]
    pub rows_changed: u64,
    pub kind: SnapshotKind,
    /// For an imported snapshot: where it came from.
    pub imported_from: Option<ImportedFrom>,
}

/// A sync that was written whole, or one that failed (an entry with its error, no data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "kebab-case")]
pub enum SnapshotStatus {
    Complete,
    Failed,
}

impl SnapshotStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotStatus::Complete => "complete",
            SnapshotStatus::Failed => "failed",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [SnapshotStatus::Complete, SnapshotStatus::Failed]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// How a snapshot came to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
#[serde(rename_all = "kebab-case")]
pub enum SnapshotKind {
    /// A full read of the organization.
    Sync,
    /// The parts a batch of changes touched, read again over the newest snapshot.
    Refresh,
    /// Someone's shared file: for reading only.
    Imported,
}

impl SnapshotKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SnapshotKind::Sync => "sync",
            SnapshotKind::Refresh => "refresh",
            SnapshotKind::Imported => "imported",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        [
            SnapshotKind::Sync,
            SnapshotKind::Refresh,
            SnapshotKind::Imported,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// Where an imported snapshot came from, as its file says and as it was imported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ImportedFrom {
    /// The file's name.
    pub file: String,
    /// Who exported it (OS user), when the file says.
    pub exported_by: Option<String>,
    pub exported_at: String,
    /// The snapshot's number in the exporter's data folder.
    #[ts(type = "number")]
    pub source_snapshot: i64,
    pub imported_at: String,
}
