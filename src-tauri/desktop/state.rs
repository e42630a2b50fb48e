//! What the app keeps while it runs.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

use serde::Serialize;
use ts_rs::TS;

use crate::error::Result;
use crate::model::{Counts, SnapshotInfo};
use crate::provision::{queue, OpState};
use crate::secrets::Keychain;
use crate::setup::connection::{self, ConnectionInfo};
use crate::store::{self, queries, snapshots};

pub struct AppState {
    data_dir: PathBuf,
    demo: AtomicBool,
    syncing: AtomicBool,
    running_ops: AtomicBool,
    /// Why AWS could not be reached at the last attempt; `None` when it could.
    offline: Mutex<Option<String>>,
    pub keychain: Keychain,
    /// Plans shown in the window, waiting for confirmation by id.
    pub pending: crate::provision::pending::Pending<super::provisioning::Confirmable>,
}

/// Everything the first screen needs to decide what to show.
#[derive(Debug, Serialize, TS)]
#[ts(export)]
pub struct AppStatus {
    pub demo: bool,
    pub data_dir: String,
    pub connection: ConnectionInfo,
    pub snapshot: Option<SnapshotInfo>,
    pub counts: Option<Counts>,
    /// The newest snapshot's Identity Center instances: the organization instance (its
    /// regions, who administers it) and any account instances.
    pub instances: Vec<crate::model::Instance>,
    pub offline: Option<String>,
    pub syncing: bool,
    /// The provisioning queue is being worked on.
    pub ops_running: bool,
    /// Operations queued or in flight, and blocked ones waiting for a fix.
    pub ops_open: u32,
    pub ops_blocked: u32,
}

impl AppState {
    pub fn new(data_dir: PathBuf) -> Self {
        Self {
            data_dir,
            demo: AtomicBool::new(false),
            syncing: AtomicBool::new(false),
            running_ops: AtomicBool::new(false),
            offline: Mutex::new(None),
            keychain: Keychain::default(),
            pending: Default::default(),
        }
    }

    pub fn is_demo(&self) -> bool {
        self.demo.load(Ordering::SeqCst)
    }

    pub fn set_demo(&self, on: bool) -> Result<()> {
        if on {
            crate::demo::ensure(&self.demo_dir())?;
        }
        self.demo.store(on, Ordering::SeqCst);
        Ok(())
    }

    fn demo_dir(&self) -> PathBuf {
        self.data_dir.join("demo")
    }

    /// The database folder the views read: yours, or the demo's.
    pub fn dir(&self) -> PathBuf {
        if self.is_demo() {
            self.demo_dir()
        } else {
            self.data_dir.clone()
        }
    }

    pub fn live_dir(&self) -> &Path {
        &self.data_dir
    }

    /// How to reach AWS with the stored connection (and the client-side rate setting
    /// `HALLPASS_RATES` the CLI honours too).
    pub fn connect_params(&self) -> Result<crate::aws::ConnectParams> {
        connection::params(
            &store::open(&self.data_dir)?,
            &self.keychain,
            &connection::Overrides {
                rates: std::env::var("HALLPASS_RATES").ok(),
                access: connection::Overrides::access_from_env()?,
                ..Default::default()
            },
        )
    }

    /// The connection's access level (`HALLPASS_ACCESS` first, then the stored one).
    pub fn access(&self) -> Result<crate::model::AccessLevel> {
        match connection::Overrides::access_from_env()? {
            Some(level) => Ok(level),
            None => connection::access_level(&store::open(&self.data_dir)?),
        }
    }

    pub fn db(&self) -> Result<rusqlite::Connection> {
        store::open(&self.dir())
    }

    /// Claims the single sync slot; `false` when a sync is already running.
    pub fn begin_sync(&self) -> bool {
        !self.syncing.swap(true, Ordering::SeqCst)
    }

    pub fn end_sync(&self) {
        self.syncing.store(false, Ordering::SeqCst);
    }

    /// Claims the single queue runner; `false` when it is already running.
    pub fn begin_ops(&self) -> bool {
        !self.running_ops.swap(true, Ordering::SeqCst)
    }

    pub fn end_ops(&self) {
        self.running_ops.store(false, Ordering::SeqCst);
    }

    pub fn is_running_ops(&self) -> bool {
        self.running_ops.load(Ordering::SeqCst)
    }

    pub fn is_offline(&self) -> bool {
        self.offline.lock().map(|o| o.is_some()).unwrap_or(false)
    }

    pub fn set_offline(&self, why: Option<String>) {
        if let Ok(mut o) = self.offline.lock() {
            *o = why;
        }
    }

    pub fn status(&self) -> Result<AppStatus> {
        let conn = self.db()?;
        let live = store::open(&self.data_dir)?;
        let latest = snapshots::latest_viewable(&conn)?;
        let count = |wanted: &[OpState]| -> Result<u32> {
            Ok(queue::state_counts(&live)?
                .into_iter()
                .filter(|(s, _)| wanted.contains(s))
                .map(|(_, n)| n as u32)
                .sum())
        };
        Ok(AppStatus {
            demo: self.is_demo(),
            data_dir: self.data_dir.display().to_string(),
            connection: connection::info(&live, &self.keychain)?,
            snapshot: match latest {
                Some(id) => snapshots::snapshot(&conn, id)?,
                None => None,
            },
            counts: match latest {
                Some(id) => Some(queries::counts(&conn, id)?),
                None => None,
            },
            instances: match latest {
                Some(id) => queries::instances(&conn, id)?,
                None => Vec::new(),
            },
            offline: self.offline.lock().map(|o| o.clone()).unwrap_or(None),
            syncing: self.syncing.load(Ordering::SeqCst),
            ops_running: self.is_running_ops(),
            ops_open: count(&[OpState::Queued, OpState::Submitted, OpState::InProgress])?,
            ops_blocked: count(&[OpState::Blocked])?,
        })
    }
}
